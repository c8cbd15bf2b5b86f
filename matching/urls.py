from django.urls import path

from . import views

app_name = "matching"

urlpatterns = [
    path("", views.index, name="index"),
    path("needs/<int:pk>/", views.need_detail, name="need"),
    path("needs/<int:pk>/propose/", views.propose, name="propose"),
    path("proposals/", views.my_proposals, name="my_proposals"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/shortlist/", views.proposal_shortlist, name="proposal_shortlist"),
    path("proposals/<int:pk>/decline/", views.proposal_decline, name="proposal_decline"),
    path("proposals/<int:pk>/meeting/", views.meeting_new, name="meeting_new"),
    path("proposals/<int:pk>/outcome/", views.proposal_outcome, name="proposal_outcome"),
    path("meetings/<int:pk>/respond/", views.meeting_respond, name="meeting_respond"),
    path("meetings/<int:pk>/meeting.ics", views.meeting_ics, name="meeting_ics"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("themes/", views.themes, name="themes"),
    path("buyer/", views.buyer_home, name="buyer_home"),
    path("buyer/apply/", views.buyer_apply, name="buyer_apply"),
    path("buyer/needs/new/", views.need_new, name="need_new"),
    path("buyer/needs/<int:pk>/", views.buyer_need, name="buyer_need"),
    path("buyer/needs/<int:pk>/edit/", views.need_edit, name="need_edit"),
    path("staff/review/", views.staff_review, name="staff_review"),
    path("staff/review/<int:pk>/", views.staff_review_decide, name="staff_review_decide"),
    path("staff/statistics/", views.statistics, name="statistics"),
    path("staff/statistics.csv", views.statistics_csv, name="statistics_csv"),
]
