from django.urls import path

from dangjian.security import views

app_name = "security"

urlpatterns = [
    path("2fa/verify/", views.verify, name="verify"),
    path("2fa/enrol/", views.enrol, name="enrol"),
    path("account/", views.account, name="account"),
    path("users/<int:pk>/reset-2fa/", views.reset, name="reset_2fa"),
    path("alerts/", views.alerts, name="alerts"),
]
