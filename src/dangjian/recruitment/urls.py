"""URLs of the recruitment app (发展党员)."""

from django.urls import path

from dangjian.recruitment import views

app_name = "recruitment"

urlpatterns = [
    path("", views.BoardView.as_view(), name="board"),
    path("new/", views.CaseStartView.as_view(), name="start"),
    path("queues/", views.QueueView.as_view(), name="queues"),
    path("overview/", views.OverviewView.as_view(), name="overview"),
    path("options/", views.OptionsView.as_view(), name="options"),
    path("quota/", views.QuotaView.as_view(), name="quota"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/template/", views.ImportTemplateView.as_view(), name="import_template"),
    path("import/<int:pk>/", views.ImportBatchView.as_view(), name="import_batch"),
    path("import/<int:pk>/commit/", views.ImportCommitView.as_view(), name="import_commit"),
    path("import/<int:pk>/rollback/", views.ImportRollbackView.as_view(), name="import_rollback"),
    path("import/<int:pk>/report/", views.ImportReportView.as_view(), name="import_report"),
    path("member/<int:member_pk>/tab/", views.MemberTabView.as_view(), name="member_tab"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="case"),
    path("<int:pk>/step/<slug:event>/", views.StepView.as_view(), name="step"),
    path("<int:pk>/decide/", views.DecideView.as_view(), name="decide"),
    path("<int:pk>/transfer/", views.TransferView.as_view(), name="transfer"),
]
