from django.urls import path

from core.views import coming_soon

app_name = "subsidies"

urlpatterns = [
    path("", coming_soon, {"area": "subsidies"}, name="index"),
]
