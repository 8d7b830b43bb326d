from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView

from beiyang.api.urls import api
from beiyang.notifications.stream import message_stream
from beiyang.ops import health
from beiyang.ops.metrics import metrics_view

admin.site.site_header = "北杨小镇管理后台 Beiyang administration"
admin.site.site_title = "北杨小镇 Beiyang"
admin.site.index_title = "管理 Administration"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
    path("readyz", health.readyz, name="readyz"),
    path("statusz", health.statusz, name="statusz"),
    path("metrics", metrics_view, name="metrics"),
    # Streaming lives outside django-ninja, which answers with whole responses.
    # Read with a token or the session, never written: exempt so that another method gets the
    # stream's own JSON 405 rather than Django's HTML CSRF page.
    path("api/v1/me/messages/stream", csrf_exempt(message_stream), name="message_stream"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("wechat/", include("beiyang.wechat.urls")),
    path("", include("beiyang.web.urls")),
]
