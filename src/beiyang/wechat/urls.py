from django.urls import path

from beiyang.wechat import views

app_name = "wechat"

urlpatterns = [
    path("callback", views.callback, name="callback"),
    path("oauth/start", views.oauth_start, name="oauth_start"),
    path("oauth/callback", views.oauth_callback, name="oauth_callback"),
    path("unbind", views.unbind, name="unbind"),
    path("kinds", views.kinds, name="kinds"),
]
