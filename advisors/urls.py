from django.urls import path

from . import views

app_name = "advisors"

urlpatterns = [
    path("", views.home, name="home"),
    path("welcome/<str:token>/", views.welcome, name="welcome"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking"),
    path("bookings/<int:pk>/record/", views.record, name="record"),
    path("bookings/<int:pk>/status/", views.status, name="status"),
    path("bookings/<int:pk>/meeting-url/", views.meeting_url, name="meeting_url"),
    path("bookings/<int:pk>/move/", views.move_request, name="move_request"),
    path("bookings/<int:pk>/selfcheck/", views.selfcheck_open, name="selfcheck_open"),
    path("bookings/<int:pk>/recommend/", views.recommend, name="recommend"),
    path("recommendations/<int:pk>/delete/", views.recommendation_delete, name="recommendation_delete"),
    path("availability/", views.availability, name="availability"),
    path("days-off/", views.day_off, name="day_off"),
    path("days-off/remove/", views.day_off_delete, name="day_off_delete"),
    path("calendar/regenerate/", views.calendar_regenerate, name="calendar_regenerate"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
