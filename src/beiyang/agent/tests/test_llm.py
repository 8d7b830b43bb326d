"""The LLM backend against a real local HTTP server speaking the chat-completions protocol."""

import http.server
import json
import threading
import time

import pytest

from beiyang.agent.llm import understand_with_llm

pytestmark = pytest.mark.django_db(transaction=True)


class FakeModel(http.server.BaseHTTPRequestHandler):
    answer: dict = {}
    seen: list = []
    status = 200
    trickle = 0.0  # seconds between bytes: a server that keeps each read alive but never ends
    finished: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeModel.seen.append(body)
        payload = json.dumps(FakeModel.answer).encode()
        self.send_response(FakeModel.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            if FakeModel.trickle:
                for i in range(len(payload)):
                    self.wfile.write(payload[i : i + 1])
                    self.wfile.flush()
                    time.sleep(FakeModel.trickle)
            else:
                self.wfile.write(payload)
            FakeModel.finished.append(True)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def model(monkeypatch):
    from beiyang.agent import llm

    monkeypatch.setattr(llm, "breaker", llm.Breaker())
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeModel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("LLM_BASE_URL", f"http://127.0.0.1:{server.server_port}/v1")
    monkeypatch.setenv("LLM_MODEL", "qwen-test")
    monkeypatch.setenv("LLM_API_KEY", "k")
    FakeModel.seen, FakeModel.status, FakeModel.trickle, FakeModel.finished = [], 200, 0.0, []
    yield FakeModel
    server.shutdown()


def tool_call(name, arguments):
    return {
        "choices": [
            {
                "message": {
                    "tool_calls": [
                        {
                            "type": "function",
                            "function": {
                                "name": name,
                                "arguments": json.dumps(arguments, ensure_ascii=False),
                            },
                        }
                    ]
                }
            }
        ]
    }


def test_the_model_picks_the_tool_and_our_handlers_answer(model, api):
    model.answer = tool_call("policy_question", {"policy": "model-voucher"})
    out = api.post("agent/messages", {"text": "模型那个券能补多少"}).json()
    assert out["intent"] == "policy_question" and out["slots"] == {"policy": "model-voucher"}
    assert out["citations"] and "100万元" in out["reply"]
    sent = model.seen[0]
    assert sent["model"] == "qwen-test" and {t["function"]["name"] for t in sent["tools"]} >= {
        "register_event"
    }


def test_bad_arguments_are_dropped(model):
    model.answer = tool_call("check_eligibility", {"age": "old", "district": "火星", "policy": "free-money"})
    assert understand_with_llm("我能拿钱吗").slots == {}
    assert model.seen


@pytest.mark.parametrize("answer", [{"choices": []}, {"oops": 1}, tool_call("launch_rockets", {})])
def test_falls_back_on_nonsense(model, api, answer):
    model.answer = answer
    assert understand_with_llm("算力券最多补多少") is None
    assert len(model.seen) == 1  # the model was asked, and its answer refused
    assert api.post("agent/messages", {"text": "算力券最多补多少"}).json()["intent"] == "policy_question"
    assert len(model.seen) == 2


def test_falls_back_on_errors(model, api):
    model.status = 500
    model.answer = {}
    assert api.post("agent/messages", {"text": "转人工"}).json()["intent"] == "human_handoff"
    assert [m["messages"][-1]["content"] for m in model.seen] == ["转人工"]  # asked, failed, fell back


def test_not_configured_means_embedded(model, monkeypatch):
    monkeypatch.delenv("LLM_BASE_URL", raising=False)
    assert understand_with_llm("你好") is None
    assert model.seen == []  # a model is listening, but nobody told us where


def test_one_deadline_for_the_whole_turn_against_a_trickling_server(model, monkeypatch):
    model.answer = tool_call("policy_question", {"policy": "model-voucher"})
    model.trickle = 0.05  # each byte arrives well within any per-read timeout; the whole takes ~10 s
    assert understand_with_llm("模型券能补多少", timeout=0.5) is None
    assert model.finished == []  # given up before the server finished sending


def test_the_circuit_opens_after_repeated_failures(model):
    from beiyang.agent import llm

    model.status, model.answer = 500, {}
    for _ in range(llm.BREAKER_FAILURES):
        assert understand_with_llm("你好") is None
    calls = len(model.seen)
    model.status, model.answer = 200, tool_call("chitchat", {})
    assert understand_with_llm("你好") is None and len(model.seen) == calls  # not even asked
    llm.breaker.opened_at -= llm.BREAKER_COOLDOWN
    assert understand_with_llm("你好").intent == "chitchat"


def test_the_models_slots_get_the_same_normalisation(model):
    model.answer = tool_call(
        "check_eligibility", {"age": 30, "district": "徐汇区", "policy": "算力卷", "match_kind": "mentor"}
    )
    u = understand_with_llm("我不在徐汇,公司在闵行,我30岁,能拿算力券吗")
    assert u.slots == {"age": 30, "district": "闵行", "policy": "compute-voucher"}


def test_eval_scores_the_llm_backend(model, capsys, tmp_path):
    from django.core.management import call_command

    model.answer = tool_call("chitchat", {})
    data = tmp_path / "set.jsonl"
    data.write_text(
        json.dumps({"text": "你好", "intent": "chitchat", "slots": {}}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    call_command("agent", "eval", str(data), "--backend", "llm")
    out = capsys.readouterr().out
    assert "[llm]" in out and "intent accuracy 100.0% (1/1)" in out
