from django.urls import path

from core.views import coming_soon

app_name = "selfcheck"

urlpatterns = [
    path("", coming_soon, {"area": "selfcheck"}, name="index"),
]
