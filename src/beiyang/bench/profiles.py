"""Synthetic founder-and-company profiles, shaped like the town's: about half registered in
Xuhui, founders aged 22 to 50, mostly early stages, a few facts unknown."""

from __future__ import annotations

import datetime as dt
import random

from beiyang.companies.vocab import SECTORS as VOCAB_SECTORS

DISTRICTS = ["徐汇"] * 9 + [
    "徐汇区",
    "长宁",
    "闵行",
    "浦东新区",
    "静安",
    "杨浦",
    "黄浦",
    "普陀",
    "宝山",
    "嘉定",
]
STAGES = ["idea", "seed", "seed", "angel", "angel", "pre-a", "a", "b+"]
SECTORS = list(VOCAB_SECTORS)
PROGRAMMES = [
    "young-plan",
    "youth-fund-portfolio",
    "hkust",
    "hkust-incubator",
    "sequoia-accelerator",
    "mosu-space",
]


def synthetic_profile(rng: random.Random, as_of: dt.date = dt.date(2026, 11, 29)) -> dict:
    founder: dict = {}
    roll = rng.random()
    if roll < 0.6:
        founder["birth_date"] = (as_of - dt.timedelta(days=rng.randint(22 * 365, 50 * 365))).isoformat()
    elif roll < 0.9:
        founder["age"] = rng.randint(22, 50)
    company: dict = {}
    if rng.random() < 0.95:
        company["district"] = rng.choice(DISTRICTS)
    if rng.random() < 0.9:
        company["stage"] = rng.choice(STAGES)
    company["sectors"] = rng.sample(SECTORS, rng.choice([0, 1, 1, 1, 2, 2, 3]))
    company["programmes"] = [p for p in PROGRAMMES if rng.random() < 0.12]
    if rng.random() < 0.9:
        company["founded_on"] = (as_of - dt.timedelta(days=rng.randint(30, 8 * 365))).isoformat()
    if rng.random() < 0.85:
        company["in_town"] = rng.random() < 0.45
    if rng.random() < 0.85:
        company["headcount"] = rng.randint(1, 80)
    if rng.random() < 0.25:
        company["voucher_granted_cny"] = rng.choice([100_000, 300_000, 600_000, 1_000_000])
    return {"founder": founder, "company": company}


def synthetic_profiles(n: int, seed: int = 2027) -> list[dict]:
    rng = random.Random(seed)
    return [synthetic_profile(rng) for _ in range(n)]
