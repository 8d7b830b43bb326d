from __future__ import annotations

from django.urls import reverse
from ninja import Header, Query, Router, Schema, Status

from beiyang.accounts.auth import founder_auth
from beiyang.accounts.roles import has_role
from beiyang.core.errors import AccessDenied
from beiyang.core.links import absolute_url
from beiyang.core.numbers import RowId
from beiyang.core.schemas import BoundedDateTime, ErrorOut
from beiyang.events import actions, exports, queries
from beiyang.events.calendar import ics_response
from beiyang.events.models import Event, Registration
from beiyang.events.schemas import (
    AttendeeOut,
    CalendarFeedOut,
    CancelOut,
    CheckInIn,
    CheckInOut,
    EventIn,
    EventOut,
    EventPatch,
    MyRegistrationOut,
    RegistrationOut,
)

router = Router(tags=["events"])


def event_out(event: Event) -> dict:
    return {
        **{
            f: getattr(event, f)
            for f in (
                "id",
                "kind",
                "title",
                "title_en",
                "description",
                "starts_at",
                "ends_at",
                "venue",
                "capacity",
                "eligibility_label",
                "gate",
                "status",
            )
        },
        "confirmed_count": event.confirmed_count,
        "waitlist_count": event.waitlist_count,
        "registration_open": queries.registration_open(event),
    }


def registration_out(registration: Registration) -> dict:
    confirmed = registration.status == Registration.CONFIRMED
    return {
        "registration_id": registration.pk,
        "event_id": registration.event_id,
        "status": registration.status,
        "waitlist_position": actions.waitlist_position(registration),
        "checkin_code": registration.checkin_code if confirmed else None,
        "checkin_token": actions.checkin_token(registration) if confirmed else None,
    }


class EventQuery(Schema):
    kind: str | None = None
    start: BoundedDateTime | None = None
    end: BoundedDateTime | None = None


@router.get("/events", response=list[EventOut], auth=None)
def list_events(request, q: Query[EventQuery]):
    return [event_out(e) for e in queries.upcoming_events(kind=q.kind, start=q.start, end=q.end)]


@router.get("/events/{event_id}", response={200: EventOut, 404: ErrorOut}, auth=None)
def get_event(request, event_id: RowId):
    return event_out(queries.event_or_404(event_id))


@router.get("/events/{event_id}/calendar.ics", auth=None, response={200: None, 404: ErrorOut})
def event_ics(request, event_id: RowId):
    event = queries.event_or_404(event_id)
    return ics_response([event], event.title, f"event-{event.pk}.ics")


@router.post(
    "/events/{event_id}/registrations",
    response={200: RegistrationOut, 201: RegistrationOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=founder_auth,
)
def register(request, event_id: RowId, idempotency_key: str = Header("", alias="Idempotency-Key")):
    """One tap: confirmed while seats remain, else waitlisted. Repeating returns the same registration (200)."""
    registration, created = actions.do_register(request.auth, event_id, idempotency_key=idempotency_key)
    return Status(201 if created else 200, registration_out(registration))


@router.delete(
    "/events/{event_id}/registrations/mine",
    response={200: CancelOut, 404: ErrorOut, 409: ErrorOut},
    auth=founder_auth,
)
def cancel(request, event_id: RowId):
    registration, promoted = actions.do_cancel_registration(request.auth, event_id)
    return {"registration_id": registration.pk, "status": registration.status, "promoted": len(promoted)}


@router.get("/me/registrations", response=list[MyRegistrationOut], auth=founder_auth)
def my_registrations(request):
    return [
        {
            **registration_out(r),
            "event_title": r.event.title,
            "starts_at": r.event.starts_at,
            "venue": r.event.venue,
            "checked_in_at": r.checked_in_at,
        }
        for r in queries.my_registrations(request.auth)
    ]


def _feed_out(request) -> dict:
    token = queries.calendar_feed_token(request.auth)
    # The town's address, not the one this request came in on (a proxy's upstream, a probe).
    return {"url": absolute_url(reverse("web:event_feed", args=[token])) if token else None}


@router.get("/me/calendar-feed", response=CalendarFeedOut, auth=founder_auth)
def calendar_feed(request):
    """The founder's personal calendar link (null when turned off)."""
    return _feed_out(request)


@router.post("/me/calendar-feed", response=CalendarFeedOut, auth=founder_auth)
def rotate_calendar_feed(request):
    """A new link; every older one stops working."""
    actions.do_rotate_calendar_feed(request.auth)
    return _feed_out(request)


@router.delete("/me/calendar-feed", response=CalendarFeedOut, auth=founder_auth)
def turn_off_calendar_feed(request):
    actions.do_turn_off_calendar_feed(request.auth)
    return _feed_out(request)


def _manager(request) -> None:
    if not has_role(request.auth, "event_manager"):
        raise AccessDenied("仅活动管理员可以管理活动", "Only event managers manage events")


@router.post("/staff/events", response={201: EventOut, 400: ErrorOut, 403: ErrorOut}, auth=founder_auth)
def create_event(request, body: EventIn):
    event = actions.check_create_event(request.auth, body.model_dump())
    return Status(201, event_out(queries.event_or_404(event.pk, staff=True)))


@router.patch(
    "/staff/events/{event_id}",
    response={200: EventOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=founder_auth,
)
def update_event(request, event_id: RowId, body: EventPatch):
    event = actions.check_update_event(request.auth, event_id, body.model_dump(exclude_unset=True))
    return event_out(queries.event_or_404(event.pk, staff=True))


@router.post(
    "/staff/events/{event_id}/cancel",
    response={200: EventOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=founder_auth,
)
def cancel_event(request, event_id: RowId):
    event = actions.check_cancel_event(request.auth, event_id)
    return event_out(queries.event_or_404(event.pk, staff=True))


@router.get(
    "/staff/events/{event_id}/registrations",
    response={200: list[AttendeeOut], 403: ErrorOut, 404: ErrorOut},
    auth=founder_auth,
)
def attendees(request, event_id: RowId):
    _manager(request)
    return [
        exports.attendee_row(r)
        for r in queries.event_registrations(queries.event_or_404(event_id, staff=True))
    ]


@router.get(
    "/staff/events/{event_id}/export", response={200: None, 403: ErrorOut, 404: ErrorOut}, auth=founder_auth
)
def export(request, event_id: RowId, format: str = "csv"):
    _manager(request)
    event = queries.event_or_404(event_id, staff=True)
    return exports.export_response(event, "xlsx" if format == "xlsx" else "csv")


@router.post(
    "/staff/checkins",
    response={200: CheckInOut, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut},
    auth=founder_auth,
)
def check_in(request, body: CheckInIn):
    registration = actions.do_check_in(request.auth, body.code, event_id=body.event_id)
    event = queries.event_or_404(registration.event_id, staff=True)
    return {
        "registration_id": registration.pk,
        "event_id": event.pk,
        "name": registration.user.name,
        "company": registration.company.name if registration.company else None,
        "checked_in_at": registration.checked_in_at,
        "checked_in_count": event.checked_in_count,
        "confirmed_count": event.confirmed_count,
    }
