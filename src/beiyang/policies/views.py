from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from beiyang.accounts.roles import has_role
from beiyang.companies.queries import company_of
from beiyang.core.errors import DomainError
from beiyang.core.identifiers import SHANGHAI_DISTRICTS
from beiyang.policies import actions, queries
from beiyang.web.forms import error_context, posted_date, posted_int


@login_required
def my_benefits(request):
    company = company_of(request.user)
    ctx = {"tab": "benefits", "company": company}
    if company is not None:
        ctx["evaluation"] = queries.evaluate_company(company).to_dict()
    return render(request, "policies/benefits.html", ctx)


def _calculator_profile(post) -> dict:
    founder = {}
    if post.get("birth_date"):
        founder["birth_date"] = posted_date(post["birth_date"], "founder.birth_date")
    elif post.get("age"):
        founder["age"] = posted_int(post["age"], "founder.age")
    company = {
        "sectors": post.getlist("sectors"),
        "programmes": post.getlist("programmes"),
        "in_town": post.get("in_town") == "on",
    }
    for key in ("district", "stage"):
        if post.get(key):
            company[key] = post[key]
    if post.get("founded_on"):
        company["founded_on"] = posted_date(post["founded_on"], "company.founded_on")
    if post.get("headcount"):
        company["headcount"] = posted_int(post["headcount"], "company.headcount")
    return {"founder": founder, "company": company}


@require_http_methods(["GET", "POST"])
def calculator(request):
    """Public: what could a company like mine get? No sign-in, nothing stored."""
    pack = queries.current_pack()
    ctx = {
        "tab": "benefits",
        "districts": [*SHANGHAI_DISTRICTS, "外省市"],
        "stages": pack.facts["company.stage"].values,
        "sectors": pack.facts["company.sectors"].values,
        "programmes": pack.facts["company.programmes"].values,
        "form": request.POST,
    }
    if request.method == "POST":
        try:
            ctx["evaluation"] = queries.evaluate_profile(_calculator_profile(request.POST)).to_dict()
        except DomainError as exc:
            ctx.update(error_context(exc))
        if request.htmx:
            return render(request, "policies/_results.html", ctx)
    return render(request, "policies/calculator.html", ctx)


@login_required
def pack_versions(request):
    if not has_role(request.user, "town_admin"):
        raise PermissionDenied
    ctx = {"versions": queries.pack_versions(), "published": queries.published_version()}
    if request.method == "POST" and request.POST.get("publish"):
        try:
            version = actions.do_publish_pack_version(int(request.POST["publish"]), actor=request.user)
        except (DomainError, ValueError) as exc:
            messages.error(request, exc.localized() if isinstance(exc, DomainError) else str(exc))
        else:
            messages.success(
                request,
                _("Published version %(v)s; companies are being re-matched.") % {"v": version.version},
            )
        return redirect("web:pack_versions")
    compare = request.GET.get("compare")
    if compare:
        try:
            new_version = queries.access_version(int(compare))
            base = queries.published_version()
            old = queries.pack_for_version(queries.access_version(base.pk)) if base else queries.disk_pack()
            new = queries.pack_for_version(new_version)
            ctx.update(
                compare=new_version,
                diff=queries.diff_packs(old, new),
                preview=queries.preview_change(old, new),
            )
        except (DomainError, ValueError) as exc:
            ctx["error"] = exc.localized() if isinstance(exc, DomainError) else str(exc)
    return render(request, "policies/pack_versions.html", ctx)
