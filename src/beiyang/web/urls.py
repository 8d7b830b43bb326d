from django.urls import path

from beiyang.accounts import views as account_views
from beiyang.companies import views as company_views
from beiyang.policies import views as policy_views
from beiyang.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", account_views.signup_view, name="signup"),
    path("login/", account_views.login_view, name="login"),
    path("login/send-code/", account_views.send_code_view, name="send_code"),
    path("logout/", account_views.logout_view, name="logout"),
    path("me/", account_views.profile_view, name="profile"),
    path("me/company/", company_views.company_view, name="company"),
    path("me/messages/", views.inbox_view, name="inbox"),
    path("benefits/", policy_views.my_benefits, name="benefits"),
    path("benefits/calculator/", policy_views.calculator, name="calculator"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/packs/", policy_views.pack_versions, name="pack_versions"),
]
