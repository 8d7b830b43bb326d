"""The eligibility gate a manager sets by choosing from the pack's facts: stored as chosen,
said to founders in words, enforced at registration with the reason, and events with a
condition written by hand keep working."""

import datetime as dt

import pytest
from conftest import page_client
from django.utils import timezone

from beiyang.core.models import AuditEntry
from beiyang.events.models import Event, Registration
from beiyang.events.tests.factories import EventFactory, event_body

pytestmark = pytest.mark.django_db

START = timezone.localtime() + dt.timedelta(days=6)
FORM = {
    "title": "青年创业者闭门路演",
    "kind": "roadshow",
    "venue": "模速空间 路演厅",
    "starts_at": START.strftime("%Y-%m-%dT14:00"),
    "ends_at": START.strftime("%Y-%m-%dT16:00"),
    "capacity": "30",
}
GATE = {
    "gate.company.district": ["徐汇"],
    "gate.founder.age.max": "35",
    "gate.company.stage": ["seed", "angel"],
}


@pytest.fixture
def manager(make_staff):
    return page_client(make_staff("event_manager")[0])


def _create(manager, **extra) -> Event:
    resp = manager.post("/staff/events/new/", {**FORM, **extra})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    return Event.objects.get(title=FORM["title"])


def _register(api, event):
    return api.post(f"events/{event.pk}/registrations")


def test_manager_chooses_the_gate_and_founders_read_it_in_words(manager, founder):
    form = manager.get("/staff/events/new/").content.decode()
    assert "企业注册区" in form and "融资阶段" in form and "创始人年龄(周岁)" in form
    assert "company.district" not in form.split('name="gate.company.district"')[0][-200:]  # labels, not ids
    event = _create(manager, **GATE)
    assert event.gate == [
        {"fact": "founder.age", "max": 35},
        {"fact": "company.district", "values": ["徐汇"]},
        {"fact": "company.stage", "values": ["seed", "angel"]},
    ]
    assert "company.district in ['徐汇']" in event.eligibility
    words = "创始人年龄(周岁)不超过35;企业注册区为徐汇;融资阶段为种子轮或天使轮"
    assert event.eligibility_label == words
    created = AuditEntry.objects.get(action_type="events.event.created")
    assert created.after["gate"] == event.gate
    user, _company, _api = founder
    page = page_client(user).get(f"/events/{event.pk}/").content.decode()
    assert words in page and "gate-unmet" not in page
    english = page_client(user, "en").get(f"/events/{event.pk}/").content.decode()
    assert "district of registration: Xuhui" in english and "financing stage: seed or angel" in english
    # The edit page shows what was chosen.
    edit = manager.get(f"/staff/events/{event.pk}/edit/").content.decode()
    assert 'value="徐汇" checked' in edit and 'value="35"' in edit


def test_registration_is_refused_saying_which_rule_is_not_met(manager, make_founder):
    event = _create(manager, **GATE)
    _u, _c, xuhui = make_founder(district="徐汇", stage="seed")
    assert _register(xuhui, event).status_code == 201
    minhang_user, _c, minhang = make_founder(district="闵行", stage="angel")
    refused = _register(minhang, event)
    body = refused.json()
    assert refused.status_code == 403 and body["code"] == "not_eligible"
    assert "企业注册区为徐汇" in body["message"] and "融资阶段" not in body["message"]
    assert "district of registration: Xuhui" in body["message_en"]
    # Before the tap the page says so too; the tap on the page answers with the reason.
    client = page_client(minhang_user)
    assert "企业注册区为徐汇" in client.get(f"/events/{event.pk}/").content.decode()
    panel = client.post(f"/events/{event.pk}/register/", headers={"HX-Request": "true"}).content.decode()
    assert "未能报名:本活动要求企业注册区为徐汇" in panel
    _u, _c, series_b = make_founder(district="徐汇", stage="b+")
    assert "融资阶段为种子轮或天使轮" in _register(series_b, event).json()["message"]
    _u, _c, no_stage = make_founder(district="徐汇", stage="")
    incomplete = _register(no_stage, event).json()
    assert incomplete["code"] == "profile_incomplete" and "融资阶段" in incomplete["message"]
    _u, _c, no_company = make_founder(with_company=False)
    assert _register(no_company, event).json()["code"] == "profile_incomplete"
    assert Registration.objects.filter(event=event).count() == 1


def test_sets_bools_and_bounds(manager, make_founder):
    event = _create(
        manager,
        **{
            "gate.company.sectors": ["agent", "llm"],
            "gate.company.in_town": "on",
            "gate.company.headcount.min": "5",
        },
    )
    assert "人工智能细分领域包括大模型或智能体" in event.eligibility_label
    assert "已入驻北杨小镇" in event.eligibility_label and "员工人数不少于5" in event.eligibility_label
    _u, _c, fits = make_founder(sectors=["agent"], in_town=True, headcount=6)
    assert _register(fits, event).status_code == 201
    _u, _c, outside = make_founder(sectors=["agent"], in_town=False, headcount=6)
    assert "已入驻北杨小镇" in _register(outside, event).json()["message"]
    _u, _c, small = make_founder(sectors=["cv"], in_town=True, headcount=2)
    message = _register(small, event).json()["message"]
    assert "人工智能细分领域包括" in message and "员工人数不少于5" in message


def test_lifting_the_gate_opens_the_event(manager, make_founder):
    event = _create(manager, **GATE)
    manager.post(f"/staff/events/{event.pk}/edit/", FORM)
    event.refresh_from_db()
    assert event.gate == [] and event.eligibility == "" and event.eligibility_label == ""
    _u, _c, anyone = make_founder(district="闵行", stage="b+")
    assert _register(anyone, event).status_code == 201


def test_events_with_a_written_condition_keep_it(manager, make_founder):
    event = EventFactory(eligibility="company.stage in ['seed']", eligibility_label="种子轮企业")
    edit = manager.get(f"/staff/events/{event.pk}/edit/").content.decode()
    assert "种子轮企业" in edit and 'name="clear_condition"' in edit
    form = {**FORM, "title": event.title}
    assert manager.post(f"/staff/events/{event.pk}/edit/", form).status_code == 302
    event.refresh_from_db()
    assert event.eligibility == "company.stage in ['seed']" and event.gate == []
    _u, _c, angel = make_founder(stage="angel")
    assert "种子轮企业" in _register(angel, event).json()["message"]
    # Choosing conditions replaces it; clearing it opens the event.
    manager.post(f"/staff/events/{event.pk}/edit/", {**form, "gate.company.stage": ["angel"]})
    event.refresh_from_db()
    assert event.gate == [{"fact": "company.stage", "values": ["angel"]}]
    assert _register(angel, event).status_code == 201
    manager.post(f"/staff/events/{event.pk}/edit/", {**form, "clear_condition": "on"})
    event.refresh_from_db()
    assert event.eligibility == "" and event.gate == []


@pytest.mark.parametrize(
    "gate",
    [
        {"gate.company.district": ["火星"]},
        {"gate.company.stage": ["seed'] or true or ['"]},
        {"gate.company.sectors": ["<script>"]},
        {"gate.founder.age.max": "abc"},
        {"gate.founder.age.max": "999"},
        {"gate.founder.age.min": "-1"},
        {"gate.founder.age.min": "40", "gate.founder.age.max": "30"},
        {"gate.company.headcount.max": "9" * 40},
    ],
)
def test_hostile_gates_are_refused_on_the_page(manager, gate):
    resp = manager.post("/staff/events/new/", {**FORM, **gate})
    assert resp.status_code == 400
    assert 'id="gate" aria-invalid="true"' in resp.content.decode()
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "gate",
    [
        [{"fact": "company.revenue", "values": ["x"]}],
        [{"fact": "founder.birth_date", "max": 1}],
        [{"fact": "company.stage", "values": []}],
        [{"fact": "company.stage", "values": ["seed"]}, {"fact": "company.stage", "values": ["a"]}],
        [{"fact": "founder.age"}],
    ],
)
def test_hostile_gates_are_refused_by_the_api(make_staff, gate):
    _m, api = make_staff("event_manager")
    body = event_body(gate=gate)
    resp = api.post("staff/events", body)
    assert resp.status_code == 400 and resp.json()["field"] == "gate", resp.json()
    both = api.post(
        "staff/events", {**body, "gate": [{"fact": "company.in_town"}], "eligibility": "company.in_town"}
    )
    assert both.status_code == 400 and both.json()["field"] == "gate"
    ok = api.post("staff/events", {**body, "gate": [{"fact": "company.in_town"}]})
    assert ok.status_code == 201 and ok.json()["gate"] == [{"fact": "company.in_town"}]
    assert ok.json()["eligibility_label"] == "已入驻北杨小镇"


@pytest.mark.parametrize("role", ["reviewer", "voucher_officer", "service_officer"])
def test_only_event_managers_set_gates(make_staff, role):
    client = page_client(make_staff(role)[0])
    assert client.post("/staff/events/new/", {**FORM, **GATE}).status_code == 403
    assert not Event.objects.exists()


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_a_time_off_the_calendar_is_refused_on_the_page(manager, when):
    """Year 1 in Shanghai is before year 1 in UTC: an overflow, a 500, until it was checked."""
    resp = manager.post("/staff/events/new/", {**FORM, "starts_at": when})
    assert resp.status_code == 400 and "1900" in resp.content.decode()
    assert not Event.objects.exists()
