from django.urls import path

from . import views

app_name = "consultations"

urlpatterns = [
    path("", views.index, name="index"),
    path("w/<slug:code>/", views.calendar, name="calendar"),
    path("w/<slug:code>/book/", views.book, name="book"),
    path("hold/sent/", views.hold_sent, name="hold_sent"),
    path("hold/<int:pk>/<str:token>/", views.hold_confirm, name="hold_confirm"),
    path("bookings/", views.my_bookings, name="my_bookings"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking_detail"),
    path("bookings/<int:pk>/consultation.ics", views.booking_calendar_file, name="booking_ics"),
    path("bookings/<int:pk>/cancel/<str:token>/", views.cancel, name="booking_cancel"),
    path("bookings/<int:pk>/reschedule/<str:token>/", views.reschedule, name="booking_reschedule"),
]
