from django.urls import path

from . import views
from .feeds import MeasureAtomFeed, MeasureFeed

app_name = "subsidies"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/follow/", views.follow_measure, name="follow"),
    path("follows/", views.follows, name="follows"),
    path("follows/new/", views.follow_filter, name="follow_filter"),
    path("follows/<int:pk>/delete/", views.unfollow, name="unfollow"),
    path("stale/", views.stale, name="stale"),
    path("feed/rss/", MeasureFeed(), name="feed_rss"),
    path("feed/atom/", MeasureAtomFeed(), name="feed_atom"),
    path("plans/", views.plans, name="plans"),
    path("plans/new/", views.plan_edit, name="plan_new"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
]
