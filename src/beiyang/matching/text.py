"""Understanding a free-text need ("做医疗AI的导师", "投早期大模型的机构"): the sectors and stages it
names, and character bigrams for what it says beyond them (Chinese has no spaces to split on).

>>> sorted(need_sectors("做医疗AI的导师"))
['medical']
>>> sorted(need_stages("投早期大模型的机构"))
['angel', 'idea', 'pre-a', 'seed']
"""

from __future__ import annotations

import re

SECTOR_WORDS = {
    "llm": ["大模型", "大语言模型", "llm", "gpt"],
    "agent": ["智能体", "agent"],
    "aigc": ["aigc", "生成式", "文生图", "视频生成"],
    "cv": ["视觉", "图像", "cv"],
    "speech": ["语音", "speech"],
    "robotics": ["机器人", "具身", "robot"],
    "chips": ["芯片", "chip", "半导体"],
    "infra": ["算力", "基础设施", "infra", "gpu"],
    "data": ["数据", "语料", "标注"],
    "medical": ["医疗", "医药", "健康", "medical"],
    "finance": ["金融", "finance", "银行"],
    "education": ["教育", "education"],
    "industry": ["工业", "制造"],
    "autonomous-driving": ["自动驾驶", "无人驾驶"],
    "security": ["安全", "security"],
}
STAGE_WORDS = {
    ("idea", "seed", "angel", "pre-a"): ["早期", "初创", "early"],
    ("seed",): ["种子"],
    ("angel",): ["天使"],
    ("pre-a",): ["pre-a", "prea"],
    ("a",): ["a轮", "series a"],
    ("b+",): ["b轮", "c轮", "成长期", "后期"],
}


def need_sectors(text: str) -> set[str]:
    lowered = (text or "").lower()
    return {sector for sector, words in SECTOR_WORDS.items() if any(w in lowered for w in words)}


def need_stages(text: str) -> set[str]:
    lowered = (text or "").lower()
    found: set[str] = set()
    for stages, words in STAGE_WORDS.items():
        if any(w in lowered for w in words):
            found.update(stages)
    return found


def bigrams(text: str) -> set[str]:
    cleaned = re.sub(r"[\s\W_]+", "", (text or "").lower())
    return {cleaned[i : i + 2] for i in range(len(cleaned) - 1)}


def similarity(a: str, b: str) -> float:
    """Share of the need's bigrams found in the profile's text (0-1)."""
    need = bigrams(a)
    if not need:
        return 0.0
    return len(need & bigrams(b)) / len(need)
