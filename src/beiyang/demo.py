"""Deterministic demo data: a small town of about fifty companies, their founders, staff of
every role and a few providers. Safe to run again: it only adds what is missing."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from beiyang.accounts.actions import do_create_provider, do_create_staff, do_signup
from beiyang.accounts.models import Provider, User
from beiyang.applications import actions
from beiyang.applications.models import Application
from beiyang.companies.actions import do_save_my_company
from beiyang.companies.models import Company
from beiyang.companies.queries import company_of
from beiyang.companies.vocab import SECTORS as VOCAB_SECTORS
from beiyang.competitions.actions import do_add_judge, do_create_competition, do_enter
from beiyang.competitions.models import Competition
from beiyang.core.errors import DomainError
from beiyang.core.identifiers import CREDIT_CODE_CHARSET, credit_code_check_char, resident_id_check_char
from beiyang.dashboard.actions import do_snapshot_kpis
from beiyang.dashboard.models import KpiValue
from beiyang.events.actions import check_create_event, do_register
from beiyang.events.models import Event
from beiyang.internships.actions import do_post_position
from beiyang.internships.models import Position
from beiyang.matching.models import MatchProfile
from beiyang.policies.actions import do_import_pack
from beiyang.policies.engine.pack import read_pack_files
from beiyang.policies.queries import evaluate_company
from beiyang.service.actions import do_open_request, set_officer
from beiyang.service.models import OfficerAssignment, ServiceRequest
from beiyang.vouchers.actions import do_fund_pool, do_issue_grant
from beiyang.vouchers.models import BudgetPool, Grant

DEMO_PASSWORD = "Beiyang@2027"
DEMO_FOUNDER_PHONE = "13800000001"
SEED = 2027

DISTRICT_CODES = {
    "黄浦": "310101",
    "徐汇": "310104",
    "长宁": "310105",
    "静安": "310106",
    "普陀": "310107",
    "虹口": "310109",
    "杨浦": "310110",
    "闵行": "310112",
    "宝山": "310113",
    "嘉定": "310114",
    "浦东": "310115",
    "松江": "310117",
}
STAFF = [
    ("13900000001", "王审核", "reviewer"),
    ("13900000002", "李审核", "reviewer"),
    ("13900000003", "陈活动", "event_manager"),
    ("13900000004", "赵券务", "voucher_officer"),
    ("13900000005", "周管理", "town_admin"),
    ("13900000006", "孙服务", "service_officer"),
    ("13900000007", "吴评委", "judge"),
]
# Demo providers have fixed keys so that the README can show a redemption with curl.
PROVIDERS = [
    ("徐汇智算中心", ["compute"], "byp_demo-xuhui-compute-2027"),
    ("模速大模型开放平台", ["model", "compute"], "byp_demo-mosu-model-2027"),
    ("北杨语料数据服务", ["corpus"], "byp_demo-beiyang-corpus-2027"),
]
POOL_CNY = 50_000_000  # per kind and source: an assumption for the demo town
NAME_HEADS = [
    "星河",
    "灵犀",
    "模速",
    "深瞳",
    "智元",
    "云帆",
    "极光",
    "北辰",
    "数智",
    "墨子",
    "天枢",
    "知微",
    "启明",
    "越影",
    "量子",
    "青禾",
    "长风",
    "锦程",
    "睿图",
    "凌波",
    "万象",
    "鸿鹄",
    "澄明",
    "拾光",
    "弈思",
]
NAME_TAILS = ["智能科技", "人工智能", "数据科技", "机器人", "信息技术", "智算科技"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = [
    "子涵",
    "浩然",
    "欣怡",
    "一诺",
    "思远",
    "雨桐",
    "俊杰",
    "梓萱",
    "宇航",
    "嘉怡",
    "明轩",
    "若曦",
    "天佑",
    "晨曦",
    "博文",
    "诗涵",
    "泽宇",
    "语嫣",
    "睿",
    "航",
]
SECTORS = list(VOCAB_SECTORS)
STAGES = ["idea", "seed", "seed", "angel", "angel", "pre-a", "a", "b+"]


@dataclass
class DemoSummary:
    founders: int = 0
    companies: int = 0
    staff: int = 0
    events: int = 0
    grants: int = 0
    profiles: int = 0
    providers: list[tuple[str, str]] | None = None


def make_credit_code(rng: random.Random, district: str) -> str:
    body = (
        "91"
        + DISTRICT_CODES.get(district, "310104")
        + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
    )
    return body + credit_code_check_char(body)


def make_resident_id(rng: random.Random, born: dt.date) -> str:
    body = "310104" + born.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    return body + resident_id_check_char(body)


def load_demo(companies: int = 50) -> DemoSummary:

    if settings.PRODUCTION:
        raise RuntimeError("the demo town (public passwords) is refused in the production profile")
    rng = random.Random(SEED)
    summary = DemoSummary(providers=[])
    do_import_pack(read_pack_files(settings.POLICY_PACK_DIR), publish=True, note="演示小镇")
    for phone, name, role in STAFF:
        if not User.objects.filter(phone=phone, is_staff=True).exists():
            do_create_staff(phone=phone, password=DEMO_PASSWORD, role=role, name=name)
            summary.staff += 1
    today = dt.date(2026, 11, 1)
    districts = ["徐汇"] * 6 + list(DISTRICT_CODES)
    for i in range(companies):
        # Draw every value even when the row exists, so that the sequence (and so the data)
        # does not depend on what an earlier run created.
        phone = f"138{i + 1:08d}"
        founder_name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        age_days = rng.randint(24 * 365, 46 * 365)
        born = today - dt.timedelta(days=age_days)
        with_id = rng.random() < 0.3
        resident_id = make_resident_id(rng, born) if with_id else None
        district = "徐汇" if i == 0 else rng.choice(districts)
        company_name = f"{rng.choice(NAME_HEADS)}{rng.choice(NAME_TAILS)}(上海)有限公司"
        credit_code = make_credit_code(rng, district)
        founded = today - dt.timedelta(days=rng.randint(60, 6 * 365))
        stage = "seed" if i == 0 else rng.choice(STAGES)
        sectors = sorted(set(rng.sample(SECTORS, rng.randint(1, 3))))
        programmes = []
        if rng.random() < 0.25:
            programmes.append("youth-fund-portfolio")
        if rng.random() < 0.2:
            programmes.append("young-plan")
        if rng.random() < 0.15:
            programmes.append("hkust")
        if rng.random() < 0.3:
            programmes.append("mosu-space")
        in_town = i == 0 or rng.random() < 0.5
        headcount = rng.randint(2, 60)
        if i == 0:
            born = dt.date(1992, 6, 18)
            founder_name, resident_id = "林小北", None
            company_name, founded, sectors, programmes = (
                "北杨模速智能科技(上海)有限公司",
                dt.date(2025, 3, 1),
                ["agent", "llm"],
                ["young-plan", "mosu-space"],
            )
            headcount = 8
        if User.objects.filter(phone=phone).exists():
            continue
        if Company.objects.filter(name=company_name).exists():
            company_name = company_name.replace("(上海)", f"{i + 1}号(上海)")
        user = do_signup(
            phone=phone, password=DEMO_PASSWORD, name=founder_name, birth_date=born, resident_id=resident_id
        )
        summary.founders += 1
        do_save_my_company(
            user,
            {
                "name": company_name,
                "credit_code": credit_code,
                "district": district,
                "address": f"上海市{district}区华发路{rng.randint(1, 999)}号",
                "founded_on": founded,
                "stage": stage,
                "sectors": sectors,
                "programmes": programmes,
                "headcount": headcount,
                "in_town": in_town,
            },
        )
        summary.companies += 1
    summary.events = load_demo_events() + load_demo_today_event()
    for name, kinds, key in PROVIDERS:
        if not Provider.objects.filter(name=name).exists():
            provider, key = do_create_provider(name=name, kinds=kinds, demo_key=key)
            summary.providers.append((provider.name, key))
    summary.grants = load_demo_vouchers()
    load_demo_application()
    summary.profiles = load_demo_matching(rng)
    load_demo_kpis()
    load_demo_competition()
    load_demo_internships()
    load_demo_service()
    return summary


def load_demo_competition() -> None:
    """HKUST's competition open for entries, with a judge and a few entrants (the demo founder
    can still enter); once there, nothing is added again."""

    if Competition.objects.exists():
        return
    admin = User.objects.get(phone="13900000005")
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    competition = do_create_competition(
        admin,
        title="港科大百万元奖金创业大赛 2027",
        prize_pool_cny=1_000_000,
        rounds=[
            {
                "name": "初赛",
                "starts_at": now + dt.timedelta(days=14),
                "ends_at": now + dt.timedelta(days=21),
                "advance": 5,
            },
            {
                "name": "决赛",
                "starts_at": now + dt.timedelta(days=28),
                "ends_at": now + dt.timedelta(days=29),
                "advance": 3,
            },
        ],
        rubric=[
            {"id": "technology", "label": "技术创新", "weight": 3, "max": 10},
            {"id": "market", "label": "市场前景", "weight": 2, "max": 10},
            {"id": "team", "label": "团队能力", "weight": 2, "max": 10},
            {"id": "impact", "label": "社会价值", "weight": 1, "max": 10},
        ],
        tracks=["大模型与智能体", "AI+行业应用", "具身智能"],
        prizes=[
            {"label": "一等奖", "amount_cny": 500_000},
            {"label": "二等奖", "amount_cny": 300_000},
            {"label": "三等奖", "amount_cny": 200_000},
        ],
    )
    do_add_judge(admin, competition.pk, User.objects.get(phone="13900000007").pk)
    entered = 0
    for user in User.objects.filter(phone__startswith="138").exclude(phone="13800000001").order_by("phone"):
        if entered == 6:
            break
        try:
            do_enter(
                user,
                competition.pk,
                project=f"{user.name}的AI项目",
                summary="面向行业的大模型应用。",
                track="AI+行业应用",
            )
            entered += 1
        except DomainError:
            continue  # not eligible under the pack: the demo shows only real entries


def load_demo_internships() -> None:

    if Position.objects.exists():
        return
    founder = User.objects.get(phone="13800000001")
    starts = timezone.localdate() + dt.timedelta(days=60)
    do_post_position(
        founder, title="大模型算法实习生", skills=["Python", "PyTorch"], seats=2, months=12, starts_on=starts
    )
    do_post_position(
        founder,
        title="智能体产品实习生",
        skills=["产品设计", "用户研究"],
        seats=1,
        months=12,
        starts_on=starts,
    )


def _next_weekday(today: dt.date, weekday: int, weeks: int = 0) -> dt.date:
    days = (weekday - today.weekday()) % 7 or 7
    return today + dt.timedelta(days=days + 7 * weeks)


def load_demo_events() -> int:
    """Upcoming events relative to today, so the demo always has something to register for."""
    from django.utils import timezone

    if Event.objects.exists():
        return 0
    manager = User.objects.filter(phone=STAFF[2][0]).first()
    today = timezone.localdate()

    def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    thursday = _next_weekday(today, 3)
    friday = _next_weekday(today, 4)
    roadshow_day = _next_weekday(today, 3, weeks=1)
    specs = [
        {
            "kind": "roadshow",
            "title": "模速路演日 · 第12期",
            "title_en": "Model Speed Roadshow Day #12",
            "description": "种子轮、天使轮AI项目路演,徐汇资本、红杉中国等近百家合作机构投资人现场点评。",
            "venue": "模速空间 路演厅(华发路)",
            "starts_at": at(roadshow_day, 14),
            "ends_at": at(roadshow_day, 17, 30),
            "capacity": 300,
            # Chosen from the pack's facts: any AI sector recorded, companies at seed to pre-A.
            "gate": [
                {"fact": "company.sectors", "values": []},
                {"fact": "company.stage", "values": ["idea", "seed", "angel", "pre-a"]},
            ],
        },
        {
            "kind": "salon",
            "title": "AI主题沙龙:智能体落地的瓶颈与机会",
            "title_en": "AI salon: agents in production",
            "description": "围绕人工智能技术前沿突破、落地应用瓶颈与未来产业机遇畅谈。",
            "venue": "北杨小镇 创业者之家",
            "starts_at": at(thursday, 19),
            "ends_at": at(thursday, 21),
            "capacity": 40,
        },
        {
            "kind": "seminar",
            "title": "行业研讨会:大模型的技术路径与商业前景",
            "title_en": "Seminar: LLM paths and markets",
            "venue": "上海创智学院 报告厅",
            "starts_at": at(friday, 13, 30),
            "ends_at": at(friday, 16),
            "capacity": 120,
        },
        {
            "kind": "competition",
            "title": "港科大百万元奖金AI创业大赛 · 初赛",
            "title_en": "HKUST AI start-up competition: heats",
            "venue": "港科大北杨基地",
            "starts_at": at(today + dt.timedelta(days=21), 9),
            "ends_at": at(today + dt.timedelta(days=21), 18),
            "capacity": 60,
            "per_company_limit": 3,
        },
        {
            "kind": "training",
            "title": "红杉中国 Young Plan 创业训练营",
            "title_en": "Sequoia Young Plan boot camp",
            "venue": "红杉中国创新加速器",
            "starts_at": at(today + dt.timedelta(days=10), 9, 30),
            "ends_at": at(today + dt.timedelta(days=10), 17),
            "capacity": 30,
        },
        {
            "kind": "open_day",
            "title": "北杨小镇开放日",
            "title_en": "Beiyang town open day",
            "venue": "北杨小镇 华发路入口",
            "starts_at": at(today + dt.timedelta(days=13), 10),
            "ends_at": at(today + dt.timedelta(days=13), 16),
            "capacity": 200,
        },
    ]
    for spec in specs:
        check_create_event(manager, spec)
    return len(specs)


def load_demo_today_event() -> int:
    """An event whose check-in is open now, with a few founders registered, so the check-in
    desk can be tried whatever day the demo is loaded (once per day)."""
    from django.utils import timezone

    now = timezone.localtime()
    if Event.objects.filter(starts_at__date=now.date(), title__startswith="今日").exists():
        return 0
    manager = User.objects.filter(phone=STAFF[2][0]).first()
    starts = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    event = check_create_event(
        manager,
        {
            "kind": "salon",
            "title": "今日午后茶叙:与导师团面对面",
            "title_en": "Today: tea with the mentor team",
            "description": "导师团现场答疑,欢迎带着问题来。",
            "venue": "北杨小镇 创业者之家 二楼",
            "starts_at": starts,
            "ends_at": starts + dt.timedelta(hours=3),
            "capacity": 30,
        },
    )
    founders = User.objects.filter(phone__startswith="138", is_staff=False).order_by("phone")[:6]
    for founder in founders:
        do_register(founder, event.pk)
    return 1


def demo_pdf(text: str) -> bytes:
    """A one-page PDF saying ``text`` (ASCII), for demo documents a browser can open."""
    stream = f"BT /F1 18 Tf 60 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def load_demo_application() -> int:
    """One submitted application with its documents, so the reviewer's queue is not empty."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    founder = User.objects.filter(phone=DEMO_FOUNDER_PHONE).first()
    if founder is None or Application.objects.filter(applicant=founder).exists():
        return 0

    # The largest benefit the demo founder can apply for: with the pack's four-eyes threshold
    # it usually needs two reviewers, which is what the demo should show.
    results = [r.to_dict() for r in evaluate_company(company_of(founder)).results]
    open_to_apply = [r for r in results if r["status"] == "eligible" and r["how_to_apply"] == "application"]
    if not open_to_apply:
        return 0
    policy = max(open_to_apply, key=lambda r: r["amount_fen"] or 0)["policy"]
    try:
        application = actions.do_start_application(founder, policy_id=policy)
        for code in application.eligibility.get("documents") or []:
            upload = SimpleUploadedFile(f"{code}.pdf", demo_pdf(f"Beiyang demo document: {code}"))
            actions.do_upload_document(founder, application.pk, doc_type=code, upload=upload)
        actions.do_submit(founder, application.pk)
    except DomainError:
        # The demo founder is not eligible under an edited pack: the queue stays empty.
        return 0
    return 1


def load_demo_vouchers() -> int:
    """This year's pools and grants for the demo founder's company and a few others."""
    from django.utils import timezone

    year = timezone.localdate().year
    if not BudgetPool.objects.filter(year=year).exists():
        for kind in ("compute", "model", "corpus"):
            for source in ("city", "district"):
                do_fund_pool(kind=kind, source=source, year=year, amount_fen=POOL_CNY * 100)
    if Grant.objects.exists():
        return 0
    count = 0
    plan = [
        ("13800000001", "compute", 500_000),
        ("13800000001", "model", 200_000),
        ("13800000001", "corpus", 100_000),
    ]
    plan += [(f"138{i:08d}", "compute", 300_000) for i in range(2, 12)]
    for phone, kind, cny in plan:
        user = User.objects.filter(phone=phone).select_related("membership__company").first()
        if user is None or not hasattr(user, "membership"):
            continue
        try:
            do_issue_grant(company=user.membership.company, kind=kind, amount_fen=cny * 100)
            count += 1
        except DomainError:
            continue  # a demo company outside Xuhui does not qualify: that is the point of the rules
    return count


MENTOR_TOPICS = [
    ("医疗AI与数字健康", ["medical", "cv"]),
    ("大模型训练与推理", ["llm", "infra"]),
    ("智能体产品设计", ["agent", "llm"]),
    ("AI芯片与体系结构", ["chips", "infra"]),
    ("具身智能与机器人", ["robotics", "cv"]),
    ("金融科技与风控", ["finance", "data"]),
    ("语音交互", ["speech", "agent"]),
    ("自动驾驶感知", ["autonomous-driving", "cv"]),
    ("教育AI", ["education", "aigc"]),
    ("数据合规与语料建设", ["data", "security"]),
]
INVESTORS = [
    ("徐汇科创投", [0, 1, 2], 1_000_000, 10_000_000),
    ("红杉中国种子基金", [1, 2], 2_000_000, 20_000_000),
    ("模速天使", [0, 1, 2], 500_000, 5_000_000),
    ("北杨成长基金", [3, 4], 10_000_000, 80_000_000),
    ("港科大校友基金", [1, 2, 3], 2_000_000, 15_000_000),
    ("浦江产业资本", [4, 5], 50_000_000, 300_000_000),
]
INCUBATORS = [
    (
        "港科大北杨孵化器",
        ["llm", "robotics", "chips"],
        20,
        6000,
        2000,
        "港科大教授全程参与孵化,2000平方米实验室",
    ),
    (
        "红杉中国创新加速器",
        ["llm", "agent", "medical"],
        15,
        1500,
        0,
        "体系化创业课程、核心研发人才一站式招募",
    ),
    ("模速空间", ["llm", "agent", "aigc"], 30, 3000, 0, "大模型创新生态社区"),
    ("上海创智学院创业工场", ["data", "education", "security"], 12, 1200, 300, "高校科研成果商业化"),
]
SKILLS = [
    ["PyTorch", "大模型预训练"],
    ["CUDA", "推理优化"],
    ["产品经理", "智能体"],
    ["前端", "React"],
    ["算法", "计算机视觉"],
    ["数据标注", "语料"],
    ["嵌入式", "机器人"],
    ["芯片验证", "Verilog"],
]


def load_demo_matching(rng: random.Random) -> int:

    if MatchProfile.objects.exists():
        return 0
    stages = ["idea", "seed", "angel", "pre-a", "a", "b+"]
    rows = []
    for i in range(30):
        topic, sectors = MENTOR_TOPICS[i % len(MENTOR_TOPICS)]
        rows.append(
            MatchProfile(
                kind="mentor",
                name=f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}",
                organisation=rng.choice(
                    ["上海创智学院", "港科大", "红杉中国", "复旦大学", "上海交通大学", "连续创业者"]
                ),
                summary=f"专长:{topic}",
                sectors=sectors,
                stages=stages[: rng.randint(2, 5)],
                languages=["zh", "en"] if i % 3 == 0 else ["zh"],
                monthly_capacity=rng.randint(1, 4),
            )
        )
    for name, stage_idx, lo, hi in INVESTORS:
        rows.append(
            MatchProfile(
                kind="investor",
                name=name,
                organisation=name,
                summary=f"关注{'、'.join(stages[j] for j in stage_idx)}阶段AI项目",
                sectors=rng.sample(SECTORS, 4),
                stages=[stages[j] for j in stage_idx],
                languages=["zh"],
                ticket_min_cny=lo,
                ticket_max_cny=hi,
                monthly_capacity=6,
            )
        )
    for name, sectors, seats, space, lab, summary in INCUBATORS:
        rows.append(
            MatchProfile(
                kind="incubator",
                name=name,
                organisation=name,
                summary=summary,
                sectors=sectors,
                stages=["idea", "seed", "angel"],
                free_seats=seats,
                space_m2=space,
                lab_m2=lab or None,
            )
        )
    for i in range(20):
        skills = SKILLS[i % len(SKILLS)]
        rows.append(
            MatchProfile(
                kind="talent",
                name=f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}",
                summary="、".join(skills),
                skills=skills,
                seniority=rng.choice(["实习", "初级", "资深"]),
                sectors=rng.sample(SECTORS, 2),
            )
        )
    MatchProfile.objects.bulk_create(rows)
    return len(rows)


def load_demo_service() -> None:
    """陪你一起跑: the demo company's officer (13900000006) and one open request from its founder."""
    from django.db import transaction

    founder = User.objects.filter(phone="13800000001").first()
    officer = User.objects.filter(phone="13900000006").first()
    company = Company.objects.filter(memberships__user=founder).first() if founder else None
    if company is None or officer is None:
        return
    if not OfficerAssignment.objects.filter(company=company, officer=officer).exists():
        with transaction.atomic():
            set_officer(company, officer, None)
    if not ServiceRequest.objects.filter(company=company).exists():
        do_open_request(
            founder,
            category="apartment",
            title="人才公寓入住咨询",
            description="团队新招两名算法工程师,下月到岗,想了解小镇人才公寓的申请流程和可入住时间。",
        )


def load_demo_kpis() -> None:
    """Figures the platform does not hold, entered with their source (demo values, marked as such)."""
    from django.utils import timezone

    if KpiValue.objects.exists():
        return
    today = timezone.localdate()
    demo = {
        "town_unicorns": [2, 3],
        "town_scenarios": [12, 18],
        "district_core_industry_cny": [1.2e11, 1.35e11],
    }
    for kpi, values in demo.items():
        for months_ago, value in zip((3, 0), values, strict=True):
            KpiValue.objects.create(
                kpi=kpi,
                value=value,
                as_of=today - dt.timedelta(days=30 * months_ago),
                source="演示数据,正式数据以统计部门发布为准",
            )
    for days_ago in (60, 30):
        do_snapshot_kpis(today - dt.timedelta(days=days_ago))
    do_snapshot_kpis(today)
