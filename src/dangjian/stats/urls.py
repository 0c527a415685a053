"""URLs of the stats app."""

from django.urls import path

from dangjian.stats import views

app_name = "stats"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
]
