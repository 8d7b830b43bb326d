"""Controlled vocabularies shared by company profiles and the benefits engine's facts."""

from __future__ import annotations

from beiyang.core.errors import InvalidInput

STAGES: dict[str, tuple[str, str]] = {
    "idea": ("创意阶段", "Idea"),
    "seed": ("种子轮", "Seed"),
    "angel": ("天使轮", "Angel"),
    "pre-a": ("Pre-A轮", "Pre-A"),
    "a": ("A轮", "Series A"),
    "b+": ("B轮及以后", "Series B+"),
}
SECTORS: dict[str, tuple[str, str]] = {
    "llm": ("大模型", "Large language models"),
    "agent": ("智能体", "AI agents"),
    "aigc": ("生成式内容", "Generative content"),
    "cv": ("计算机视觉", "Computer vision"),
    "speech": ("语音", "Speech"),
    "robotics": ("具身智能/机器人", "Embodied AI and robotics"),
    "chips": ("AI芯片", "AI chips"),
    "infra": ("算力与基础设施", "Compute and infrastructure"),
    "data": ("数据与语料", "Data and corpora"),
    "medical": ("医疗AI", "Medical AI"),
    "finance": ("金融AI", "Financial AI"),
    "education": ("教育AI", "Education AI"),
    "industry": ("工业AI", "Industrial AI"),
    "autonomous-driving": ("自动驾驶", "Autonomous driving"),
    "security": ("AI安全", "AI safety and security"),
}
PROGRAMMES: dict[str, tuple[str, str]] = {
    "young-plan": ("红杉中国 Young Plan", "Sequoia China Young Plan"),
    "youth-fund-portfolio": ("青年创业基金被投企业", "Youth fund portfolio company"),
    "hkust": ("港科大校友/师生", "HKUST alumni, staff or students"),
    "hkust-incubator": ("港科大孵化器在孵", "In the HKUST incubator"),
    "sequoia-accelerator": ("红杉中国创新加速器", "Sequoia China accelerator"),
    "mosu-space": ("模速空间", "Model Speed Space"),
}
MEMBER_ROLES: dict[str, tuple[str, str]] = {
    "founder": ("创始人", "Founder"),
    "cofounder": ("联合创始人", "Co-founder"),
    "member": ("成员", "Member"),
}
STAGE_ALIASES = {
    "pre_a": "pre-a",
    "prea": "pre-a",
    "series a": "a",
    "b": "b+",
    "b_plus": "b+",
    "series b": "b+",
}


def parse_stage(value: object, field: str = "stage") -> str:
    text = str(value).strip().lower() if isinstance(value, str) else ""
    text = STAGE_ALIASES.get(text, text)
    if text not in STAGES:
        raise InvalidInput(
            f"未知的融资阶段,可选:{'、'.join(STAGES)}",
            f"Unknown stage; one of {', '.join(STAGES)}",
            field=field,
            code="invalid_stage",
        )
    return text


def parse_tags(values: object, vocabulary: dict[str, tuple[str, str]], field: str) -> list[str]:
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise InvalidInput("应为字符串列表", "Must be a list of strings", field=field)
    tags = sorted({v.strip().lower() for v in values})
    unknown = [t for t in tags if t not in vocabulary]
    if unknown:
        raise InvalidInput(
            f"未知的取值:{'、'.join(unknown)};可选:{'、'.join(vocabulary)}",
            f"Unknown value(s) {', '.join(unknown)}; one of {', '.join(vocabulary)}",
            field=field,
            code=f"invalid_{field}",
        )
    return tags
