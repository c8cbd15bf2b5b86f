from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("company/", views.company_edit, name="company"),
    path("name/", views.name_edit, name="name"),
    path("close/", views.close, name="close"),
]
