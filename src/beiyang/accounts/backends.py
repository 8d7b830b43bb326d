from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from beiyang.accounts.actions import check_password_login
from beiyang.accounts.models import User
from beiyang.core.errors import DomainError
from beiyang.core.ratelimit import client_ip


class PhonePasswordBackend(ModelBackend):
    """Password login for the Django admin. Portal and API logins go through
    ``actions.check_password_login``, which also counts failures and locks."""

    def authenticate(self, request, username=None, password=None, phone=None, **kwargs):

        try:
            return check_password_login(phone or username or "", password or "", ip=client_ip(request))
        except DomainError:
            return None

    def get_user(self, user_id):
        try:
            return User.objects.get(pk=user_id, is_active=True)
        except User.DoesNotExist:
            return None
