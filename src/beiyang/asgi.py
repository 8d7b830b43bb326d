import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beiyang.settings")

import django
from django.conf import settings

django.setup(set_prefix=False)

from beiyang.web.asgi_handler import SyncChainASGIHandler  # noqa: E402  (after setup)

application = SyncChainASGIHandler()

if settings.SERVE_STATIC:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    application = ASGIStaticFilesHandler(application)
