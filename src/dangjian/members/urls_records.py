"""URLs of a member's archive records."""

from django.urls import path

from dangjian.members import record_views

urlpatterns = [
    path("<int:pk>/records/<str:kind>/add/", record_views.RecordAddView.as_view(), name="record_add"),
    path(
        "<int:pk>/records/<str:kind>/<int:record_id>/delete/",
        record_views.RecordDeleteView.as_view(),
        name="record_delete",
    ),
    path("<int:pk>/documents/add/", record_views.DocumentAddView.as_view(), name="document_add"),
    path("<int:pk>/documents/<int:document_id>/", record_views.DocumentView.as_view(), name="document"),
    path(
        "<int:pk>/documents/<int:document_id>/delete/",
        record_views.DocumentDeleteView.as_view(),
        name="document_delete",
    ),
]
