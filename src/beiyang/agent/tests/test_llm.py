"""The LLM backend against a real local HTTP server speaking the chat-completions protocol."""

import http.server
import json
import threading

import pytest

from beiyang.agent.llm import understand_with_llm

pytestmark = pytest.mark.django_db(transaction=True)


class FakeModel(http.server.BaseHTTPRequestHandler):
    answer: dict = {}
    seen: list = []
    status = 200

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeModel.seen.append(body)
        self.send_response(FakeModel.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(FakeModel.answer).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def model(monkeypatch):
    server = http.server.HTTPServer(("127.0.0.1", 0), FakeModel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("LLM_BASE_URL", f"http://127.0.0.1:{server.server_port}/v1")
    monkeypatch.setenv("LLM_MODEL", "qwen-test")
    monkeypatch.setenv("LLM_API_KEY", "k")
    FakeModel.seen, FakeModel.status = [], 200
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
    model.answer = tool_call("check_eligibility", {"age": "old", "district": "东京", "policy": "free-money"})
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
