from django.urls import path

from dangjian.members import urls_export, urls_transfers, views

app_name = "members"

urlpatterns = [
    path("", views.RosterView.as_view(), name="list"),
    path("new/", views.CreateView.as_view(), name="create"),
    path("<int:pk>/", views.DetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.EditView.as_view(), name="edit"),
    path("<int:pk>/status/", views.StatusView.as_view(), name="status"),
    path("<int:pk>/lost-contact/", views.LostContactView.as_view(), name="lost_contact"),
    path("<int:pk>/reveal/<str:field>/", views.RevealView.as_view(), name="reveal"),
]

urlpatterns += urls_transfers.urlpatterns + urls_export.urlpatterns
