from django.urls import path, register_converter

from beiyang.accounts import views as account_views
from beiyang.agent import views as agent_views
from beiyang.applications import views as application_views
from beiyang.companies import views as company_views
from beiyang.competitions import views as competition_views
from beiyang.core.numbers import RowIdConverter
from beiyang.dashboard import views as dashboard_views
from beiyang.events import views as event_views
from beiyang.internships import views as internship_views
from beiyang.matching import views as matching_views
from beiyang.policies import views as policy_views
from beiyang.service import views as service_views
from beiyang.vouchers import views as voucher_views
from beiyang.web import views

app_name = "web"
# Ids in paths are read as the API reads them: ASCII digits within the database's range, else 404.
register_converter(RowIdConverter, "id")

urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", account_views.signup_view, name="signup"),
    path("login/", account_views.login_view, name="login"),
    path("login/send-code/", account_views.send_code_view, name="send_code"),
    path("logout/", account_views.logout_view, name="logout"),
    path("me/", account_views.profile_view, name="profile"),
    path("me/company/", company_views.company_view, name="company"),
    path("me/messages/", views.inbox_view, name="inbox"),
    path("me/messages/<id:message_id>/", views.message_view, name="message"),
    path("me/notifications/", views.preferences_view, name="preferences"),
    path("benefits/", views.benefits, name="benefits"),
    path("benefits/calculator/", policy_views.calculator, name="calculator"),
    path("events/", event_views.event_list, name="events"),
    path("events/mine/", event_views.my_events, name="my_events"),
    path("events/feed/<str:token>.ics", event_views.personal_feed, name="event_feed"),
    path("events/feed/rotate/", event_views.rotate_feed_view, name="event_feed_rotate"),
    path("events/feed/off/", event_views.turn_off_feed_view, name="event_feed_off"),
    path("events/<id:event_id>/", event_views.event_detail, name="event"),
    path("events/<id:event_id>/calendar.ics", event_views.event_ics, name="event_ics"),
    path("events/<id:event_id>/register/", event_views.register_view, name="event_register"),
    path("events/<id:event_id>/cancel/", event_views.cancel_view, name="event_cancel"),
    path("vouchers/", voucher_views.my_vouchers, name="vouchers"),
    path("provider/", voucher_views.provider_portal, name="provider_portal"),
    path("provider/statement/", voucher_views.provider_statement, name="provider_statement"),
    path("staff/vouchers/", voucher_views.officer_desk, name="officer_desk"),
    path("staff/vouchers/companies/<id:company_id>/", voucher_views.officer_company, name="officer_company"),
    path("matches/", matching_views.matches, name="matches"),
    path("agent/", agent_views.chat, name="agent"),
    path("staff/agent/", agent_views.staff_tickets, name="staff_tickets"),
    path("dashboard/", dashboard_views.public_dashboard, name="dashboard"),
    path("staff/dashboard/", dashboard_views.staff_dashboard, name="staff_dashboard"),
    path("staff/dashboard/kpis/", dashboard_views.kpi_entry, name="kpi_entry"),
    path("staff/dashboard/kpis/<str:kpi>/", dashboard_views.kpi_detail, name="kpi_detail"),
    path("applications/", application_views.my_applications, name="applications"),
    path("applications/<id:application_id>/", application_views.application_detail, name="application"),
    path(
        "applications/<id:application_id>/documents/<id:document_id>/",
        application_views.document_view,
        name="application_document",
    ),
    path("staff/applications/", application_views.review_queue, name="review_queue"),
    path("staff/applications/decided/", application_views.review_history, name="review_history"),
    path("staff/applications/<id:application_id>/", application_views.review_detail, name="review_detail"),
    path("staff/", views.staff_home, name="staff_home"),
    path("competitions/", competition_views.competition_list, name="competitions"),
    path("competitions/<id:competition_id>/", competition_views.competition_detail, name="competition"),
    path("judge/", competition_views.judge_desk, name="judge_desk"),
    path("competitions/entries/<id:entry_id>/deck/", competition_views.deck_view, name="entry_deck"),
    path("staff/competitions/", competition_views.staff_competitions, name="staff_competitions"),
    path(
        "staff/competitions/<id:competition_id>/",
        competition_views.staff_competition,
        name="staff_competition",
    ),
    path("internships/", internship_views.internships, name="internships"),
    path("staff/internships/", internship_views.staff_rounds, name="staff_internships"),
    path("staff/events/", event_views.staff_events, name="staff_events"),
    path("staff/events/new/", event_views.event_edit, name="event_new"),
    path("staff/events/<id:event_id>/edit/", event_views.event_edit, name="event_edit"),
    path("staff/events/<id:event_id>/cancel/", event_views.event_cancel, name="event_cancel_staff"),
    path("staff/events/<id:event_id>/checkin/", event_views.checkin_desk, name="checkin"),
    path("staff/packs/", policy_views.pack_versions, name="pack_versions"),
    path("staff/packs/<id:version_id>/", policy_views.pack_version, name="pack_version"),
    path("service/", service_views.my_service, name="service"),
    path("service/<id:request_id>/", service_views.request_detail, name="service_request"),
    path("timeline/", service_views.my_timeline, name="timeline"),
    path("staff/service/", service_views.staff_queue, name="staff_service"),
    path("staff/service/<id:request_id>/", service_views.staff_request, name="staff_service_request"),
    path("staff/companies/<id:company_id>/", service_views.staff_company, name="staff_company"),
]
