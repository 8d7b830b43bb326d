import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beiyang.settings")

from django.conf import settings
from django.core.asgi import get_asgi_application

application = get_asgi_application()

if settings.SERVE_STATIC:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    application = ASGIStaticFilesHandler(application)
