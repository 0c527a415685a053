"""URLs of the dues app."""

from django.urls import path

from dangjian.dues import views

app_name = "dues"

urlpatterns = [
    path("", views.BillListView.as_view(), name="bill_list"),
    path("generate/", views.GenerateView.as_view(), name="generate"),
    path("pay/", views.PayView.as_view(), name="pay"),
    path("bills/<int:pk>/waive/", views.WaiveView.as_view(), name="waive"),
    path("members/<int:pk>/", views.MemberDuesView.as_view(), name="member"),
]
