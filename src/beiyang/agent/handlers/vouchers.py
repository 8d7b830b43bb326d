"""Voucher balances from the founder's own grants."""

from __future__ import annotations

from beiyang.agent.handlers.common import Reply, _company, _login_first, _pack
from beiyang.core.money import yuan_figure_en, yuan_text
from beiyang.core.words import date_words


def on_voucher_balance(user, text, slots, state) -> Reply:
    from beiyang.vouchers.models import KINDS as VOUCHER_KINDS
    from beiyang.vouchers.queries import company_vouchers

    if not getattr(user, "is_authenticated", False):
        return _login_first()
    company = _company(user)
    if company is None:
        return Reply("请先登记企业信息。", "Register your company first.")
    grants = [g for g in company_vouchers(company)["grants"] if g["status"] == "active"]
    policy = _pack().policies.get(slots.get("policy", ""))
    kind = policy.voucher_kind if policy else None  # the pack says which voucher a policy grants
    if kind:
        grants = [g for g in grants if g["kind"] == kind]
    if not grants:
        return Reply("您目前没有可用的券。可以问我“我能申请算力券吗”。", "You have no active vouchers.")
    lines = [
        f"· {g['kind_label']}:余额{yuan_text(g['balance_cny'])}(有效期至{date_words(g['valid_until'], en=False)})"
        for g in grants
    ]
    lines_en = [
        f"· {VOUCHER_KINDS[g['kind']][1]}: {yuan_figure_en(g['balance_cny'])} CNY left "
        f"(valid until {date_words(g['valid_until'], en=True)})"
        for g in grants
    ]
    return Reply("您的券余额:\n" + "\n".join(lines), "Your voucher balances:\n" + "\n".join(lines_en))
