"""URLs of transfers (组织关系转接) and mobile members (流动党员)."""

from django.urls import path

from dangjian.members import transfer_views as views

urlpatterns: list = [
    path("transfers/", views.TransferListView.as_view(), name="transfer_list"),
    path("transfers/receive/", views.ReceiveExternalView.as_view(), name="transfer_receive"),
    path("transfers/<int:pk>/", views.TransferDetailView.as_view(), name="transfer_detail"),
    path("transfers/<int:pk>/letter/", views.LetterView.as_view(), name="transfer_letter"),
    path("transfers/<int:pk>/accept/", views.AcceptView.as_view(), name="transfer_accept"),
    path("transfers/<int:pk>/return/", views.ReturnView.as_view(), name="transfer_return"),
    path("transfers/<int:pk>/cancel/", views.CancelView.as_view(), name="transfer_cancel"),
    path("transfers/<int:pk>/receipt/", views.ReceiptView.as_view(), name="transfer_receipt"),
    path("<int:pk>/transfer/", views.TransferStartView.as_view(), name="transfer_start"),
    path("mobile/", views.MobileListView.as_view(), name="mobile_list"),
    path("mobile/inflow/", views.InflowView.as_view(), name="mobile_inflow"),
    path("<int:pk>/mobile/", views.OutflowView.as_view(), name="mobile_outflow"),
    path("mobile/<int:pk>/end/", views.EndMobileView.as_view(), name="mobile_end"),
]
