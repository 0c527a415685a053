from django.urls import path

from dangjian.security import export_views, privacy_views, views

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
    # PRV-05/06: the member's own data, a copy, correction requests; the privacy notice; the branch's answers
    path("me/data/", privacy_views.my_data, name="my_data"),
    path("me/data/copy/", privacy_views.my_data_copy, name="my_data_copy"),
    path("me/requests/", privacy_views.my_request, name="my_request"),
    path("privacy/", privacy_views.notice, name="notice"),
    path("corrections/", privacy_views.corrections, name="corrections"),
    path("corrections/<int:pk>/", privacy_views.correction, name="correction"),
]
