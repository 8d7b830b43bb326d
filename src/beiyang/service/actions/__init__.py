"""陪你一起跑: officers for companies, and service requests tracked to done.

Each action is one state change with its audit entry and a message to the other side; the
messages go live on the stream after commit (``do_send_message``). Requests are locked (and
re-checked) before every change, so two officers acting at once leave one state.

The actions live by sub-topic (as Zulip's ``zerver/actions/``): ``assignment`` (officers for
companies), ``requests`` (the founder's side), ``casework`` (the officer's side), ``handover``
(the agent's 转人工), ``attachments``, ``reminders`` (the clocks' watch), with ``access`` and
``clocks`` shared by them. The public names are importable from here."""

from beiyang.service.actions.access import (
    MAX_TEXT,
    ROLE,
    access_founder_request,
    access_staff_request,
    require_officer,
    visible_to,
)
from beiyang.service.actions.assignment import (
    assign_new_company,
    caseloads,
    check_assign_balanced,
    check_assign_officer,
    officer_of,
    officers,
    set_officer,
)
from beiyang.service.actions.attachments import access_attachment
from beiyang.service.actions.casework import check_reassign, check_reply, check_resolve
from beiyang.service.actions.clocks import can_reopen, limits, service_hours, service_params
from beiyang.service.actions.handover import live_handover, open_handover, post_from_chat, visitor_limits
from beiyang.service.actions.reminders import do_send_service_reminders
from beiyang.service.actions.requests import do_add_message, do_open_request, do_rate, do_reopen

__all__ = [
    "MAX_TEXT",
    "ROLE",
    "access_attachment",
    "access_founder_request",
    "access_staff_request",
    "assign_new_company",
    "can_reopen",
    "caseloads",
    "check_assign_balanced",
    "check_assign_officer",
    "check_reassign",
    "check_reply",
    "check_resolve",
    "do_add_message",
    "do_open_request",
    "do_rate",
    "do_reopen",
    "do_send_service_reminders",
    "limits",
    "live_handover",
    "officer_of",
    "officers",
    "open_handover",
    "post_from_chat",
    "require_officer",
    "service_hours",
    "service_params",
    "set_officer",
    "visible_to",
    "visitor_limits",
]
