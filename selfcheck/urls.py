from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "selfcheck"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.sheet_new, name="new"),
    path("try/", views.try_out, name="try"),
    path("next-year/<int:fiscal_year>/", views.next_year, name="next_year"),
    path("sheets/<int:pk>/step1/", views.step1, name="step1"),
    path("sheets/<int:pk>/step2/", views.step2, name="step2"),
    path("sheets/<int:pk>/step3/", views.step3, name="step3"),
    path("sheets/<int:pk>/result/", views.result, name="result"),
    path("sheets/<int:pk>/recompute/", views.recompute, name="recompute"),
    path("factors/", views.factor_sets, name="factors"),
    path("sheets/<int:pk>/report.pdf", views.pdf_download, name="pdf"),
    path("sheets/<int:pk>/report/retry/", views.pdf_retry, name="pdf_retry"),
    # Institution staff's shared list moved to the sharing app; old bookmarks still arrive.
    path("institution/", RedirectView.as_view(pattern_name="sharing:received"), name="institution"),
]
