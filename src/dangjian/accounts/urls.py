from django.urls import path

from dangjian.accounts import admin_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("profile/", views.profile, name="profile"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]

urlpatterns += [
    path("users/", admin_views.UserListView.as_view(), name="user_list"),
    path("users/new/", admin_views.UserCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/", admin_views.UserDetailView.as_view(), name="user_detail"),
]
