from django.urls import path

from . import openstats_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("know/", views.know, name="know"),
    path("privacy/", views.privacy, name="privacy"),
    path("terms/", views.terms, name="terms"),
    path("contact/", views.contact, name="contact"),
    path("developers/api/", views.api_docs, name="api_docs"),
    path("statistics/", openstats_views.open_statistics_latest, name="open_statistics_latest"),
    path("statistics/<int:fiscal_year>/", openstats_views.open_statistics, name="open_statistics"),
    path("statistics/<int:fiscal_year>.csv", openstats_views.open_statistics_csv, name="open_statistics_csv"),
    path("statistics/<int:fiscal_year>.json", openstats_views.open_statistics_json, name="open_statistics_json"),
]
