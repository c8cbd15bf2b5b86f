from django.urls import path

from . import views

app_name = "dispatch"

urlpatterns = [
    path("", views.index, name="index"),
    path("apply/", views.apply, name="apply"),
    path("apply/institution/", views.apply_on_behalf, name="apply_on_behalf"),
    path("cases/", views.my_cases, name="my_cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/move/", views.case_move, name="move"),
    path("cases/<int:pk>/visits/", views.visit_add, name="visit_add"),
    path("cases/<int:pk>/visits/<int:visit_pk>/log/", views.visit_log, name="visit_log"),
    path("cases/<int:pk>/report/", views.report_save, name="report_save"),
    path("cases/<int:pk>/measures/", views.measure_add, name="measure_add"),
    path("cases/<int:pk>/files/<slug:kind>.pdf", views.deliverable_download, name="download"),
    path("expert/", views.expert_home, name="expert_home"),
]
