from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from beiyang.companies.queries import company_of
from beiyang.core.errors import DomainError
from beiyang.core.numbers import read_id
from beiyang.matching import actions, queries
from beiyang.matching.models import KINDS


@login_required
def matches(request):
    if request.method == "POST":
        try:
            actions.do_request_intro(
                request.user,
                target_id=read_id(
                    request.POST.get("target_id"), "target_id", label=("引荐对象", "whom to meet")
                ),
                message=request.POST.get("message", ""),
            )
            messages.success(request, "已发送引荐请求 Intro requested")
        except DomainError as exc:
            messages.error(request, exc.localized())
        return redirect(request.get_full_path())
    kind = request.GET.get("kind") if request.GET.get("kind") in KINDS else "mentor"
    need = request.GET.get("need", "")
    return render(
        request,
        "matching/matches.html",
        {
            "tab": "home",
            "kinds": KINDS,
            "kind": kind,
            "need": need,
            "results": queries.rank(kind, company_of(request.user), need),
            "intros": queries.my_intros(request.user)[:20],
        },
    )
