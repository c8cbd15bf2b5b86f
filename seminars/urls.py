from django.urls import path

from core.views import coming_soon

app_name = "seminars"

urlpatterns = [
    path("", coming_soon, {"area": "seminars"}, name="index"),
]
