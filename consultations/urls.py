from django.urls import path

from core.views import coming_soon

app_name = "consultations"

urlpatterns = [
    path("", coming_soon, {"area": "consultations"}, name="index"),
]
