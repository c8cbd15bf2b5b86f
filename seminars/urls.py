from django.urls import path

from . import views

app_name = "seminars"

urlpatterns = [
    path("", views.index, name="index"),
    path("feed.ics", views.feed, name="feed"),
    path("my/", views.my, name="my"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/seminar.ics", views.ics, name="ics"),
    path("registrations/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/checkin/", views.checkin_desk, name="checkin_desk"),
    path("<int:pk>/checkin/<str:token>/", views.checkin_scan, name="checkin_scan"),
    path("materials/<int:pk>/", views.material, name="material"),
    path("r/<str:token>/cancel/", views.token_cancel, name="token_cancel"),
    path("r/<str:token>/leave/", views.token_leave, name="token_leave"),
]
