from __future__ import annotations

from ninja import Query, Router, Schema

from beiyang.accounts.auth import founder_auth
from beiyang.core.numbers import RowId, bounded_int
from beiyang.core.schemas import ErrorOut, OkOut
from beiyang.notifications import actions, queries
from beiyang.notifications.schemas import InboxOut, MessageOut, PreferencesIn, PreferencesOut

router = Router(tags=["messages"])


class InboxQuery(Schema):
    after_id: RowId | None = None
    limit: bounded_int(1, 200) = 50


@router.get("/me/messages", response=InboxOut, auth=founder_auth)
def list_messages(request, q: Query[InboxQuery]):
    limit = max(1, min(q.limit, 200))
    return {
        "unread": queries.unread_count(request.auth),
        "messages": list(queries.inbox(request.auth, after_id=q.after_id, limit=limit)),
    }


@router.post("/me/messages/{message_id}/read", response={200: MessageOut, 404: ErrorOut}, auth=founder_auth)
def mark_read(request, message_id: RowId):
    return actions.do_mark_read(request.auth, message_id)


@router.post("/me/messages/read-all", response=OkOut, auth=founder_auth)
def mark_all_read(request):
    actions.do_mark_all_read(request.auth)
    return {"ok": True}


@router.get("/me/notification-preferences", response=PreferencesOut, auth=founder_auth)
def get_preferences(request):
    return actions.preference_for(request.auth.pk)


@router.put("/me/notification-preferences", response={200: PreferencesOut, 400: ErrorOut}, auth=founder_auth)
def put_preferences(request, body: PreferencesIn):
    return actions.do_set_preferences(request.auth, **body.model_dump(exclude_unset=True))
