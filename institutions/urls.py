from django.urls import path

from . import views

app_name = "institutions"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("members.csv", views.members_csv, name="members_csv"),
    path("figures/", views.figures_open, name="figures_open"),
    path("invite/", views.invite, name="invite"),
    path("import/", views.csv_upload, name="import"),
    path("import/send/", views.csv_send, name="import_send"),
    path("invitations/<int:pk>/resend/", views.resend, name="resend"),
    path("join/<str:token>/", views.join, name="join"),
    path("bookings/<int:pk>/", views.booking, name="booking"),
    path("requests/", views.request_create, name="request_create"),
    path("requests/new/", views.request_create, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/answer/", views.request_answer, name="request_answer"),
    path("memberships/", views.memberships, name="memberships"),
    path("memberships/<int:pk>/leave/", views.leave, name="leave"),
]
