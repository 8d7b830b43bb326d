"""Settings for the test suite (pyproject's DJANGO_SETTINGS_MODULE) and the servers it starts.

The production settings hold no switch for tests: what differs is here, in the open.
"""

from beiyang.settings import *  # noqa: F403
from beiyang.settings import ALLOWED_HOSTS, PASSWORD_HASHERS

# Django's test client sends Host: testserver.
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]

# Jobs run inline, so that a test sees their effect when the action returns.
HUEY = {"name": "beiyang", "immediate": True}

# Argon2 is deliberately slow; one test checks the production list.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# Each request stamps its token itself, so that a test can look; one test turns the
# background writer back on.
TOKEN_USE_WRITE_BEHIND = False
