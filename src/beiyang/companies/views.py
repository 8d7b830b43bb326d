from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from beiyang.companies import actions, queries
from beiyang.companies.vocab import PROGRAMMES, SECTORS, STAGES
from beiyang.core.errors import DomainError
from beiyang.core.forms import error_context, posted_date
from beiyang.core.identifiers import SHANGHAI_DISTRICTS
from beiyang.core.numbers import read_int


def _posted_company(post) -> dict:
    return {
        "name": post.get("name", ""),
        "credit_code": post.get("credit_code", ""),
        "district": post.get("district", ""),
        "address": post.get("address", ""),
        "founded_on": posted_date(post.get("founded_on"), "founded_on"),
        "stage": post.get("stage", ""),
        "sectors": post.getlist("sectors"),
        "programmes": post.getlist("programmes"),
        "headcount": read_int(
            post.get("headcount"),
            "headcount",
            low=0,
            high=1_000_000,
            label=("员工人数", "headcount"),
            optional=True,
        ),
        "in_town": post.get("in_town") == "on",
    }


@login_required
def company_view(request):
    company = queries.company_of(request.user)
    ctx = {
        "tab": "company",
        "company": company,
        "stages": STAGES,
        "sectors": SECTORS,
        "programmes": PROGRAMMES,
        "districts": [*SHANGHAI_DISTRICTS, "外省市"],
    }
    if request.method == "POST":
        try:
            actions.do_save_my_company(request.user, _posted_company(request.POST))
        except DomainError as exc:
            ctx.update(error_context(exc))
            ctx["form"] = request.POST
            ctx["chosen_sectors"] = request.POST.getlist("sectors")
            ctx["chosen_programmes"] = request.POST.getlist("programmes")
            return render(request, "companies/company.html", ctx, status=400)
        messages.success(request, _("Company saved. Your benefits have been re-evaluated."))
        return redirect("web:benefits")
    ctx["chosen_sectors"] = company.sectors if company else []
    ctx["chosen_programmes"] = company.programmes if company else []
    return render(request, "companies/company.html", ctx)
