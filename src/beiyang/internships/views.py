"""The "1+1" page: a student fills in their profile, applies and orders their choices; a
company posts positions and orders its applicants."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from beiyang.companies.queries import company_of
from beiyang.core.errors import DomainError
from beiyang.core.numbers import read_id, read_int
from beiyang.internships import actions, queries
from beiyang.internships.models import StudentProfile

POSITION_WORDS = ("实习岗位", "position")


def _order(request, prefix: str) -> list[int]:
    """Ids ordered by the rank typed beside each (blank = not ranked)."""
    ranked = []
    for key, value in request.POST.items():
        if key.startswith(prefix) and value.strip():
            rank = read_int(value, key, low=1, high=10_000, label=("排序", "rank"))
            ranked.append((rank, read_id(key[len(prefix) :], key, label=("排序项", "ranked item"))))
    return [item for _, item in sorted(ranked)]


def _words(text: str) -> list[str]:
    return [w for w in text.replace(",", ",").replace("、", ",").split(",") if w.strip()]


@login_required
def internships(request):
    if request.method == "POST":
        do = request.POST.get("do")
        try:
            if do == "student":
                actions.do_set_student(
                    request.user,
                    school=request.POST.get("school", ""),
                    programme=request.POST.get("programme", ""),
                    skills=_words(request.POST.get("skills", "")),
                )
            elif do == "apply":
                actions.do_apply(
                    request.user,
                    read_id(request.POST.get("position_id"), "position_id", label=POSITION_WORDS),
                )
            elif do == "rank_positions":
                actions.do_rank_positions(request.user, _order(request, "rank-"))
            elif do == "post":
                actions.do_post_position(
                    request.user,
                    title=request.POST.get("title", ""),
                    skills=_words(request.POST.get("skills", "")),
                    seats=read_int(
                        request.POST.get("seats"), "seats", low=1, high=100, label=("名额", "seats")
                    ),
                    months=read_int(
                        request.POST.get("months"), "months", low=1, high=24, label=("月数", "months")
                    ),
                    starts_on=dt.date.fromisoformat(request.POST.get("starts_on", "")),
                )
            elif do == "rank_students":
                actions.do_rank_students(
                    request.user,
                    read_id(request.POST.get("position_id"), "position_id", label=POSITION_WORDS),
                    _order(request, "rank-"),
                )
            messages.success(request, "已保存")
        except DomainError as exc:
            messages.error(request, exc.localized())
        except ValueError:
            messages.error(request, "请检查填写的数字和日期 Check the numbers and the date")
        return redirect("web:internships")
    company = company_of(request.user)
    applied = queries.my_applications(request.user)
    applied_ids = {a.position_id for a in applied}
    return render(
        request,
        "internships/page.html",
        {
            "tab": "me",
            "student": StudentProfile.objects.filter(user=request.user).first(),
            "open_positions": [p for p in queries.open_positions() if p.pk not in applied_ids],
            "applied": applied,
            "placements": queries.my_placements(request.user),
            "company": company,
            "my_positions": queries.positions_of_company(company) if company else [],
        },
    )
