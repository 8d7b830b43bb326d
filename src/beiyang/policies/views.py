from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from beiyang.accounts.roles import has_role
from beiyang.companies.queries import company_of
from beiyang.core.errors import DomainError, InvalidInput
from beiyang.core.forms import error_context, posted_date
from beiyang.core.identifiers import SHANGHAI_DISTRICTS
from beiyang.core.numbers import read_id, read_int
from beiyang.core.uploads import check_upload_accepted
from beiyang.policies import actions, compare, queries


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
        founder["age"] = read_int(post["age"], "founder.age", low=0, high=150, label=("年龄", "age"))
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
        company["headcount"] = read_int(
            post["headcount"], "company.headcount", low=0, high=1_000_000, label=("员工人数", "headcount")
        )
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


def _town_admin(request) -> None:
    if not has_role(request.user, "town_admin"):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def pack_versions(request):
    """The versions of the pack, the one in force first; each opens its compare page. A new
    version is uploaded here as a zip of the pack's folder and opens as a draft to compare."""
    _town_admin(request)
    if request.GET.get("compare"):  # the old link: the compare page has its own address now
        try:
            return redirect("web:pack_version", read_id(request.GET["compare"], "compare"))
        except DomainError:
            raise Http404 from None
    ctx = {"versions": queries.pack_versions(), "published": queries.published_version(), "staff_tab": "home"}
    if request.method == "POST":
        try:
            check_upload_accepted(request)
            upload = request.FILES.get("archive")
            if upload is None:
                raise InvalidInput(
                    "请选择政策包压缩文件(.zip)", "Choose the pack archive (.zip)", field="archive"
                )
            version = actions.check_import_pack_archive(
                request.user, upload.read(actions.ARCHIVE_MAX_BYTES + 1), note=request.POST.get("note", "")
            )
        except DomainError as exc:
            ctx.update(error_context(exc))
            return render(request, "policies/pack_versions.html", ctx, status=exc.status)
        messages.success(
            request,
            _("Version %(v)s imported as a draft: read what it changes, then publish.")
            % {"v": version.version},
        )
        return redirect("web:pack_version", version.pk)
    return render(request, "policies/pack_versions.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def pack_version(request, version_id: int):
    """What this version changes against the one in force, in words; who gains or loses a
    benefit; and publishing it, once the administrator confirms having read the changes."""
    _town_admin(request)
    try:
        version = queries.access_version(version_id)
        new = queries.pack_for_version(version)
    except DomainError:
        raise Http404 from None
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error = InvalidInput(
                "请先勾选“我已核对以上变化”再发布",
                "Tick “I have checked these changes” before publishing",
                field="confirm",
                code="not_confirmed",
            )
        else:
            try:
                actions.check_publish_pack_version(request.user, version.pk)
            except DomainError as exc:
                error = exc
            else:
                messages.success(
                    request,
                    _("Version %(v)s is in force; every company is being matched against it.")
                    % {"v": version.version},
                )
                return redirect("web:pack_version", version.pk)
    base = queries.published_version()
    old = queries.pack_for_version(queries.access_version(base.pk)) if base else queries.disk_pack()
    ctx = {
        "version": version,
        "in_force": base is not None and base.pk == version.pk,
        "base_version": old.version,
        "diff": compare.readable_diff(old, new, timezone.localdate()),
        "preview": compare.titled_preview(queries.preview_change(old, new), old, new),
        "staff_tab": "home",
    }
    if request.method == "POST":
        ctx.update(error_context(error))
        return render(request, "policies/pack_version.html", ctx, status=error.status)
    return render(request, "policies/pack_version.html", ctx)
