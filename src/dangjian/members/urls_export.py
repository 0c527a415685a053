"""URLs of the roster export."""

from django.urls import path

from dangjian.members import export_views

urlpatterns: list = [
    path("export/", export_views.ExportView.as_view(), name="export"),
    # The job id, not a member's pk: the file is personal to the job's creator (no org-scope matrix applies).
    path("export/<int:job_id>/download/", export_views.ExportDownloadView.as_view(), name="export_download"),
]
