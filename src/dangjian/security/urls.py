from django.urls import path

from dangjian.security import export_views, views

app_name = "security"

urlpatterns = [
    path("2fa/verify/", views.verify, name="verify"),
    path("2fa/enrol/", views.enrol, name="enrol"),
    path("account/", views.account, name="account"),
    path("users/<int:pk>/reset-2fa/", views.reset, name="reset_2fa"),
    path("alerts/", views.alerts, name="alerts"),
    # PRV-04: four-eyes export of personal data
    path("exports/", export_views.export_requests, name="export_requests"),
    path("exports/<int:pk>/", export_views.export_request, name="export_request"),
    path("exports/<int:pk>/decide/", export_views.export_decide, name="export_decide"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
]
