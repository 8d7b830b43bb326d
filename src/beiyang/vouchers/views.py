from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from beiyang.companies.queries import company_of
from beiyang.vouchers.queries import company_vouchers


@login_required
def my_vouchers(request):
    company = company_of(request.user)
    return render(
        request,
        "vouchers/mine.html",
        {"tab": "benefits", "company": company, "vouchers": company_vouchers(company) if company else None},
    )
