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
    path("members/<int:pk>/hardship/", views.HardshipApplyView.as_view(), name="hardship_apply"),
    path("members/<int:pk>/aid/", views.MemberAidView.as_view(), name="aid"),
    path("hardship/", views.HardshipListView.as_view(), name="hardship_list"),
    path("hardship/<int:pk>/", views.HardshipView.as_view(), name="hardship"),
    path("rates/", views.CollectionView.as_view(), name="collection"),
    path("ledger/", views.LedgerView.as_view(), name="ledger"),
    path("mine/", views.my_dues, name="mine"),
]
