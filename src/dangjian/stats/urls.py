"""URLs of the stats app."""

from django.urls import path

from dangjian.stats import views

app_name = "stats"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("indicators/", views.OverviewView.as_view(), name="overview"),
    path("drill/", views.DrillView.as_view(), name="drill"),
    path("thresholds/", views.ThresholdsView.as_view(), name="thresholds"),
    path("annual/", views.AnnualView.as_view(), name="annual"),
    path("compare/", views.CompareView.as_view(), name="compare"),
    path("summary.pdf", views.SummaryPdfView.as_view(), name="summary_pdf"),
]
