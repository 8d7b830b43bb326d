"""The agent as the front door to the whole town, as the demo founder: their officer, their latest
service request, the competition entered after confirmation, internships from both sides; and no
action the founder negated is ever proposed."""

import pytest
from conftest import Api, token_for

pytestmark = pytest.mark.django_db(transaction=True)


def say(client, text, conversation=None):
    resp = client.post(
        "agent/messages", {"text": text, **({"conversation_id": conversation} if conversation else {})}
    )
    assert resp.status_code == 200, resp.json()
    return resp.json()


@pytest.fixture
def demo_founder():
    from beiyang.accounts.models import User
    from beiyang.demo import DEMO_FOUNDER_PHONE, load_demo

    load_demo(companies=12)
    user = User.objects.get(phone=DEMO_FOUNDER_PHONE)
    return user, Api(token_for(user))


def test_the_demo_founders_day_through_the_agent(demo_founder):
    from beiyang.competitions.models import Entry
    from beiyang.internships.models import InternshipApplication, Position
    from beiyang.service.models import OfficerAssignment, ServiceRequest

    user, client = demo_founder
    officer = OfficerAssignment.objects.get(company__memberships__user=user).officer

    out = say(client, "怎么联系我的服务专员")
    assert out["intent"] == "service_contact" and out["proposed_action"] is None
    assert officer.name in out["reply"] and officer.phone in out["reply"] and ":00" in out["reply"]
    assert not out["quiet"]  # not a handover: the bot answers

    latest = ServiceRequest.objects.filter(requester=user).order_by("-id").first()
    out = say(client, "我的服务工单处理得怎么样了")
    assert out["intent"] == "service_request_status"
    assert latest.title in out["reply"] and f"#{latest.pk}" in out["reply"]

    out = say(client, "我想报名港科大百万创业大赛")
    assert out["intent"] == "competition_enter" and out["slots"].get("policy") == "hkust-competition"
    assert "amount_cny" not in out["slots"]  # 百万 is the competition's name, not an amount
    assert out["proposed_action"] is None and out["suggestions"]  # which track?
    out = say(client, out["suggestions"][0], out["conversation_id"])
    assert out["proposed_action"]["action"] == "competition_enter"
    assert not Entry.objects.filter(company__memberships__user=user).exists()
    done = say(client, "确认", out["conversation_id"])
    assert done["actions_done"][0]["action"] == "competition_enter"
    entry = Entry.objects.get(company__memberships__user=user)
    out = say(client, "我们大赛进到第几轮了")
    assert out["intent"] == "competition_status" and entry.project in out["reply"] and "初赛" in out["reply"]

    # The company's side of internships.
    out = say(client, "我们发布的实习岗位有人申请吗")
    assert out["intent"] == "internship_applicants" and "大模型算法实习生" in out["reply"]
    out = say(client, "发布一个多模态算法实习生岗位,要会PyTorch")
    assert out["intent"] == "internship_post" and out["proposed_action"]["title"] == "多模态算法实习生"
    say(client, "确认", out["conversation_id"])
    assert Position.objects.filter(title="多模态算法实习生", skills=["PyTorch"]).exists()

    # A student's side.
    from beiyang.accounts.tests.factories import UserFactory
    from beiyang.internships.actions import do_set_student

    student = UserFactory()
    do_set_student(student, school="香港科技大学", programme="人工智能", skills=["Python", "PyTorch"])
    learner = Api(token_for(student))
    out = say(learner, "有哪些适合我的实习岗位")
    assert out["intent"] == "internship_search" and "大模型算法实习生" in out["reply"]
    out = say(learner, "我要申请大模型算法实习生")
    assert out["intent"] == "internship_apply" and out["proposed_action"]["action"] == "internship_apply"
    say(learner, "确认", out["conversation_id"])
    assert InternshipApplication.objects.filter(student=student, position__title="大模型算法实习生").exists()
    out = say(learner, "我的实习申请怎么样了")
    assert out["intent"] == "internship_status" and "大模型算法实习生" in out["reply"]


@pytest.mark.parametrize(
    "text",
    [
        "不是要取消,是要报名,刚才点错了",
        "别取消,我还要去的",
        "bao ming zhou liu de huo dong",
        "don't cancel, I'm still going",
    ],
)
def test_an_action_the_founder_negated_is_never_proposed(founder, text):
    from beiyang.events.actions import do_register
    from beiyang.events.tests.factories import EventFactory

    user, _company, client = founder
    held = EventFactory(kind="roadshow", title="模速路演日 · 第12期", capacity=5)
    do_register(user, held.pk)
    out = say(client, text)
    assert (out["proposed_action"] or {}).get("action") != "cancel"
    assert out["intent"] != "cancel_registration" or out["proposed_action"] is None


def test_a_proposal_negated_in_words_is_dropped(founder):
    from beiyang.events.actions import do_register
    from beiyang.events.models import Registration
    from beiyang.events.tests.factories import EventFactory

    user, _company, client = founder
    held = EventFactory(kind="salon", title="AI出海沙龙", capacity=5)
    do_register(user, held.pk)
    out = say(client, "取消AI出海沙龙的报名")
    assert out["proposed_action"]["action"] == "cancel"
    out = say(client, "别取消,我还要去的", out["conversation_id"])
    assert out["proposed_action"] is None and out["actions_done"] == []
    assert say(client, "确认", out["conversation_id"])["actions_done"] == []
    assert Registration.objects.get(event=held).status == "confirmed"


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("查一下我的申请", "application_status", {}),
        ("帮我老板查一下语料券申请的进度", "application_status", {"policy": "corpus-voucher"}),
        ("我想报名港科大百万创业大赛", "competition_enter", {"policy": "hkust-competition"}),
        ("港科大孵化器怎么入驻", "policy_question", {"policy": "hkust-incubator"}),
        ("申请sll券", "start_application", {"policy": "compute-voucher"}),
        (
            "apply for 100k RMB of startup capital",
            "start_application",
            {"policy": "startup-capital", "amount_cny": 100000},
        ),
        ("帮我申请80wan模型券", "start_application", {"policy": "model-voucher", "amount_cny": 800000}),
        ("申请30万算力券", "start_application", {"policy": "compute-voucher", "amount_cny": 300000}),
        ("我们公司想招实习生", "find_match", {"match_kind": "talent"}),
    ],
)
def test_the_issues_messages_are_understood(text, intent, slots):
    from beiyang.agent.nlu import understand

    u = understand(text)
    assert (u.intent, u.slots) == (intent, slots)


def test_an_amount_over_the_maximum_is_refused_when_proposed(founder):
    _user, _company, client = founder
    out = say(client, "申请15万启动资金")
    assert out["proposed_action"] is None and "超过了上限" in out["reply"]
    assert say(client, "确认", out["conversation_id"])["actions_done"] == []


def test_an_english_question_of_two_parts_gets_both_figures_in_english(api):
    out = say(api, "How much startup capital can I get, and what documents do I need?")
    assert "100,000" in out["reply"] and "business plan" in out["reply"]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in out["reply"])
    assert all(c["document_en"] and c["document_en"] != c["document"] for c in out["citations"])
