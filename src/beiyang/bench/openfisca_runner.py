"""The OpenFisca side of the benefits benchmark. Runs inside its own virtualenv (created by
``beiyang bench``), so nothing here imports Beiyang or Django.

The same three rules as the Beiyang pack: youth-fund eligibility, the startup-capital
amount, and the voucher amount under the shared ceiling. Reads a JSON job on stdin, prints
JSON timings. ``python openfisca_runner.py --batch FILE.jsonl`` is the whole-process side: start,
build the system, read the profiles, calculate, print the counts, as ``beiyang benefits
--batch`` does.
"""

import datetime
import json
import sys
import time

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.parameters import ParameterNode
from openfisca_core.periods import DateUnit
from openfisca_core.simulation_builder import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

Company = build_entity(
    key="company", plural="companies", label="A company and its lead founder", is_person=True
)
YEAR = DateUnit.YEAR
STAGES = ["idea", "seed", "angel", "pre-a", "a", "b+"]


class founder_age(Variable):
    value_type = int
    entity = Company
    definition_period = YEAR
    label = "founder age in whole years"


class stage(Variable):
    value_type = int
    entity = Company
    definition_period = YEAR
    label = "financing stage, index into STAGES"


class is_ai(Variable):
    value_type = bool
    entity = Company
    definition_period = YEAR


class in_xuhui(Variable):
    value_type = bool
    entity = Company
    definition_period = YEAR


class headcount(Variable):
    value_type = int
    entity = Company
    definition_period = YEAR


class company_age_ok(Variable):
    value_type = bool
    entity = Company
    definition_period = YEAR


class voucher_granted(Variable):
    value_type = float
    entity = Company
    definition_period = YEAR


class youth_fund_eligible(Variable):
    value_type = bool
    entity = Company
    definition_period = YEAR

    def formula(company, period, parameters):
        p = parameters(period).youth_fund
        early = company("stage", period) <= p.last_stage_index
        return company("is_ai", period) * (company("founder_age", period) <= p.max_age) * early


class startup_capital_amount(Variable):
    value_type = float
    entity = Company
    definition_period = YEAR

    def formula(company, period, parameters):
        p = parameters(period).startup_capital
        eligible = (
            company("is_ai", period)
            * company("in_xuhui", period)
            * company("company_age_ok", period)
            * (company("founder_age", period) <= p.max_age)
        )
        amount = np.minimum(p.max_cny, p.base_cny + p.per_employee_cny * company("headcount", period))
        return eligible * amount


class voucher_amount(Variable):
    value_type = float
    entity = Company
    definition_period = YEAR

    def formula(company, period, parameters):
        p = parameters(period).vouchers
        eligible = company("is_ai", period) * company("in_xuhui", period)
        remaining = np.maximum(0, p.ceiling_cny - company("voucher_granted", period))
        return eligible * remaining


def system() -> TaxBenefitSystem:
    tbs = TaxBenefitSystem([Company])
    for var in (
        founder_age,
        stage,
        is_ai,
        in_xuhui,
        headcount,
        company_age_ok,
        voucher_granted,
        youth_fund_eligible,
        startup_capital_amount,
        voucher_amount,
    ):
        tbs.add_variable(var)
    v = lambda x: {"values": {"2025-01-01": x}}  # noqa: E731
    tbs.parameters = ParameterNode(
        "",
        data={
            "youth_fund": {"max_age": v(35), "last_stage_index": v(2)},
            "startup_capital": {
                "max_cny": v(100000),
                "base_cny": v(50000),
                "per_employee_cny": v(5000),
                "max_age": v(35),
            },
            "vouchers": {"ceiling_cny": v(1000000)},
        },
    )
    return tbs


RULES = ("youth_fund_eligible", "startup_capital_amount", "voucher_amount")


AS_OF = datetime.date(2026, 11, 29)


def whole_years(born: datetime.date) -> int:
    return AS_OF.year - born.year - ((AS_OF.month, AS_OF.day) < (born.month, born.day))


def inputs(profile: dict) -> dict:
    """The same facts Beiyang reads; a fact that is not given counts as not qualifying."""
    c, f = profile.get("company", {}), profile.get("founder", {})
    if "birth_date" in f:
        age = whole_years(datetime.date.fromisoformat(f["birth_date"]))
    else:
        age = f.get("age", 999)
    founded = c.get("founded_on")
    if founded:
        born = datetime.date.fromisoformat(founded)
        try:
            third = born.replace(year=born.year + 3)
        except ValueError:
            third = born.replace(year=born.year + 3, day=28)
        age_ok = third >= AS_OF
    else:
        age_ok = False
    return {
        "founder_age": age,
        "stage": STAGES.index(c["stage"]) if c.get("stage") else 9,
        "is_ai": bool(c.get("sectors")),
        "in_xuhui": c.get("district") in ("徐汇", "徐汇区"),
        "headcount": c.get("headcount", 0),
        "company_age_ok": age_ok,
        "voucher_granted": c.get("voucher_granted_cny", 0),
    }


def single(tbs, profile: dict, period: str, repeat: int) -> dict:
    entity = {"companies": {"c": {k: {period: val} for k, val in inputs(profile).items()}}}
    times_build, times_calc = [], []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        sim = SimulationBuilder().build_from_entities(tbs, entity)
        t1 = time.perf_counter()
        result = [float(sim.calculate(rule, period)[0]) for rule in RULES]
        t2 = time.perf_counter()
        times_build.append(t1 - t0)
        times_calc.append(t2 - t1)
    return {
        "calculate_s": sorted(times_calc)[len(times_calc) // 2],
        "build_and_calculate_s": sorted(a + b for a, b in zip(times_build, times_calc, strict=True))[
            len(times_calc) // 2
        ],
        "result": result,
    }


def stream(tbs, profiles: list, period: str) -> float:
    """Seconds per profile, each its own simulation built and calculated (as a request would)."""
    t0 = time.perf_counter()
    for profile in profiles:
        entity = {"companies": {"c": {k: {period: val} for k, val in inputs(profile).items()}}}
        sim = SimulationBuilder().build_from_entities(tbs, entity)
        [float(sim.calculate(rule, period)[0]) for rule in RULES]
    return (time.perf_counter() - t0) / len(profiles)


def batch(tbs, profiles: list, period: str) -> dict:
    t0 = time.perf_counter()
    rows = [inputs(p) for p in profiles]
    builder = SimulationBuilder()
    builder.create_entities(tbs)
    builder.declare_person_entity("company", [str(i) for i in range(len(rows))])
    sim = builder.build(tbs)
    for name in rows[0]:
        sim.set_input(name, period, np.array([r[name] for r in rows]))
    out = {rule: sim.calculate(rule, period) for rule in RULES}
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "youth_fund_eligible": int(out["youth_fund_eligible"].sum())}


def batch_command(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        profiles = [json.loads(line) for line in fh if line.strip()]
    result = batch(system(), profiles, str(AS_OF.year))
    json.dump({"profiles": len(profiles), **result}, sys.stdout)


def main() -> None:
    if sys.argv[1:2] == ["--batch"]:
        batch_command(sys.argv[2])
        return
    job = json.load(sys.stdin)
    tbs = system()
    report = {"single": single(tbs, job["profile"], job["period"], job["repeat"])}
    if job.get("stream_file"):
        with open(job["stream_file"], encoding="utf-8") as fh:
            profiles = [json.loads(line) for line in fh]
        stream(tbs, profiles[:50], job["period"])  # warm-up
        report["stream_s"] = stream(tbs, profiles, job["period"])
    if job.get("profiles_file"):
        with open(job["profiles_file"], encoding="utf-8") as fh:
            profiles = [json.loads(line) for line in fh]
        rounds = [batch(tbs, profiles, job["period"]) for _ in range(job.get("rounds", 3))]
        report["batch"] = {
            **min(rounds, key=lambda r: r["seconds"]),
            "rounds_s": [r["seconds"] for r in rounds],
        }
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
