from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone
from ninja import Router, Status

from beiyang.accounts import actions, queries
from beiyang.accounts.auth import founder_auth
from beiyang.accounts.schemas import (
    MeIn,
    MeOut,
    PasswordLoginIn,
    SignupIn,
    SignupOut,
    SmsCodeIn,
    SmsCodeOut,
    SmsLoginIn,
    TokenInfoOut,
    TokenOut,
)
from beiyang.companies.queries import company_of
from beiyang.core.errors import InvalidInput
from beiyang.core.identifiers import age_on
from beiyang.core.numbers import RowId
from beiyang.core.ratelimit import client_ip
from beiyang.core.schemas import ErrorOut, OkOut

router = Router(tags=["accounts"])


def _email(value: str | None) -> str | None:
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise InvalidInput("邮箱格式不正确", "The email address is not valid", field="email") from None
    return value


@router.post(
    "/auth/signup", response={201: SignupOut, 400: ErrorOut, 409: ErrorOut, 429: ErrorOut}, auth=None
)
def signup(request, body: SignupIn):
    user = actions.do_signup(
        phone=body.phone,
        password=body.password,
        name=body.name,
        email=_email(body.email),
        birth_date=body.birth_date,
        resident_id=body.resident_id,
        ip=client_ip(request),
    )
    _token, raw = actions.do_issue_token(user, "signup")
    return Status(201, {"user_id": user.pk, "token": raw})


@router.post("/auth/token", response={200: TokenOut, 401: ErrorOut, 429: ErrorOut}, auth=None)
def token(request, body: PasswordLoginIn):
    user = actions.check_password_login(body.phone, body.password, ip=client_ip(request))
    _token, raw = actions.do_issue_token(user, "password-login")
    return {"token": raw}


@router.post("/auth/sms-code", response={202: SmsCodeOut, 400: ErrorOut, 429: ErrorOut}, auth=None)
def sms_code(request, body: SmsCodeIn):
    actions.do_request_sms_code(body.phone, ip=client_ip(request))
    return Status(
        202,
        {
            "sent": True,
            "expires_in": settings.SMS_CODE_TTL_SECONDS,
            "resend_after": settings.SMS_CODE_RESEND_SECONDS,
        },
    )


@router.post(
    "/auth/sms-token", response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut}, auth=None
)
def sms_token(request, body: SmsLoginIn):
    user = actions.check_sms_login(body.phone, body.code, ip=client_ip(request))
    _token, raw = actions.do_issue_token(user, "sms-login")
    return {"token": raw}


def _me(user) -> dict:
    company = company_of(user)
    return {
        "id": user.pk,
        "phone": user.phone,
        "name": user.name,
        "email": user.email,
        "birth_date": user.birth_date,
        "age": age_on(user.birth_date, timezone.localdate()) if user.birth_date else None,
        "resident_id_masked": f"{user.resident_id[:6]}********{user.resident_id[-4:]}"
        if user.resident_id
        else None,
        "roles": queries.user_roles(user),
        "company_id": company.pk if company else None,
    }


@router.get("/me", response=MeOut, auth=founder_auth)
def get_me(request):
    return _me(request.auth)


@router.put("/me", response={200: MeOut, 400: ErrorOut, 409: ErrorOut}, auth=founder_auth)
def put_me(request, body: MeIn):
    user = actions.do_update_profile(
        request.auth,
        actor=request.auth,
        name=body.name,
        email=_email(body.email),
        birth_date=body.birth_date,
        resident_id=body.resident_id,
    )
    return _me(user)


@router.get("/me/tokens", response=list[TokenInfoOut], auth=founder_auth)
def list_tokens(request):
    return list(queries.active_tokens(request.auth))


@router.delete("/me/tokens/{token_id}", response={200: OkOut, 404: ErrorOut}, auth=founder_auth)
def revoke_token(request, token_id: RowId):
    actions.do_revoke_token(request.auth, token_id)
    return {"ok": True}
