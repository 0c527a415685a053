"""URLs of the points app."""

from django.urls import path

from dangjian.points import views

app_name = "points"

urlpatterns = [
    path("", views.RankingView.as_view(), name="ranking"),
    path("recompute/", views.RecomputeView.as_view(), name="recompute"),
    path("members/<int:pk>/", views.MemberPointsView.as_view(), name="member"),
    path("pending/", views.PendingView.as_view(), name="pending"),
    path("entries/<int:pk>/review/", views.ReviewView.as_view(), name="review"),
    path("rules/", views.RuleListView.as_view(), name="rules"),
    path("rules/<int:pk>/", views.RuleSetView.as_view(), name="rule_set"),
    path("pioneer/", views.PioneerListView.as_view(), name="pioneer_list"),
    path("pioneer/<int:pk>/", views.PioneerView.as_view(), name="pioneer"),
    path("mine/", views.my_points, name="mine"),
]
