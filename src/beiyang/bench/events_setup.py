"""Bench data for ``beiyang.bench.events``, run in a subprocess against the bench database:
founders with two tokens each (their app's, and one no server has seen, for the cold rush;
password hashing skipped: nobody logs in with a password here), one roadshow per round of the
rush, a salon for the latency test and an event to warm up on."""

from __future__ import annotations

import datetime as dt
import json
import sys

import django


def main(founders: int, seats: int, rounds: int) -> None:
    django.setup()
    # Imported when run: the bench loads before Django is set up (and in worker subprocesses).
    from django.utils import timezone

    from beiyang.accounts.models import ApiToken, User
    from beiyang.accounts.tokens import new_secret
    from beiyang.companies.models import Company, Membership
    from beiyang.core.identifiers import make_credit_code
    from beiyang.events.models import Event

    users = User.objects.bulk_create(
        [User(phone=f"139{i:08d}", name=f"创业者{i}", password="!") for i in range(founders)]
    )
    companies = Company.objects.bulk_create(
        [
            Company(
                credit_code=make_credit_code(i + 1),
                name=f"智能科技{i}",
                district="徐汇",
                stage="seed",
                sectors=["llm"],
            )
            for i in range(founders)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(user=u, company=c) for u, c in zip(users, companies, strict=True)]
    )
    tokens, cold_tokens, rows = [], [], []
    for user in users:
        for name, kept in (("app", tokens), ("cold", cold_tokens)):
            raw, prefix, digest = new_secret("byt")
            kept.append(raw)
            rows.append(ApiToken(user=user, name=name, prefix=prefix, key_hash=digest))
    ApiToken.objects.bulk_create(rows)
    start = timezone.now() + dt.timedelta(days=7)

    def event(kind: str, title: str, venue: str, hours: int, capacity: int) -> int:
        return Event.objects.create(
            kind=kind,
            title=title,
            venue=venue,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
            capacity=capacity,
        ).pk

    roadshows = [event("roadshow", f"模速路演日 · 压测 {n + 1}", "路演厅", 3, seats) for n in range(rounds)]
    salon = event("salon", "沙龙 · 时延测试", "创业者之家", 2, founders)
    warmup = event("seminar", "预热 · 不计入", "创业者之家", 2, founders)
    json.dump(
        {
            "tokens": tokens,
            "cold_tokens": cold_tokens,
            "roadshows": roadshows,
            "salon": salon,
            "warmup": warmup,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
