from django.urls import path

from dangjian.members import import_views, urls_export, urls_records, urls_transfers, views

app_name = "members"

urlpatterns = [
    path("", views.RosterView.as_view(), name="list"),
    path("new/", views.CreateView.as_view(), name="create"),
    path("<int:pk>/", views.DetailView.as_view(), name="detail"),
    path("<int:pk>/tabs/<slug:tab>/", views.DetailTabView.as_view(), name="detail_tab"),
    path("<int:pk>/edit/", views.EditView.as_view(), name="edit"),
    path("<int:pk>/status/", views.StatusView.as_view(), name="status"),
    path("<int:pk>/lost-contact/", views.LostContactView.as_view(), name="lost_contact"),
    path("<int:pk>/reveal/<str:field>/", views.RevealView.as_view(), name="reveal"),
    path("import/", import_views.ImportView.as_view(), name="import"),
    path("import/template/", import_views.TemplateView.as_view(), name="import_template"),
    path("import/<int:pk>/", import_views.BatchView.as_view(), name="import_batch"),
    path("import/<int:pk>/commit/", import_views.CommitView.as_view(), name="import_commit"),
    path("import/<int:pk>/rollback/", import_views.RollbackView.as_view(), name="import_rollback"),
    path("import/<int:pk>/problems/", import_views.ProblemsView.as_view(), name="import_problems"),
]

urlpatterns += urls_transfers.urlpatterns + urls_export.urlpatterns + urls_records.urlpatterns
