from django.urls import path

from . import views

app_name = "sharing"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("institution/", views.institution_share, name="institution_share"),
    path("customer/", views.customer_share, name="customer_share"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
    path("d/<str:token>/", views.disclosure_page, name="disclosure"),
    path("d/<str:token>/disclosure.pdf", views.disclosure_pdf, name="disclosure_pdf"),
    path("received/", views.received, name="received"),
    path("received/open/", views.received_open, name="received_open"),
    path("received/shared.csv", views.received_csv, name="received_csv"),
]
