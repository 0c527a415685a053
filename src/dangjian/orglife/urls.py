"""URLs of the orglife app."""

from django.urls import path

from dangjian.orglife import views

app_name = "orglife"

urlpatterns = [
    path("", views.MeetingListView.as_view(), name="meeting_list"),
    path("new/", views.MeetingCreateView.as_view(), name="meeting_create"),
    path("<int:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("<int:pk>/record/", views.MeetingRecordView.as_view(), name="meeting_record"),
    path("<int:pk>/attendance/", views.AttendanceView.as_view(), name="meeting_attendance"),
    path("<int:pk>/submit/", views.MeetingSubmitView.as_view(), name="meeting_submit"),
    path("<int:pk>/review/", views.MeetingReviewView.as_view(), name="meeting_review"),
    path("<int:pk>/amend/", views.MeetingAmendView.as_view(), name="meeting_amend"),
    path("<int:pk>/qr/", views.MeetingQrView.as_view(), name="meeting_qr"),
    path("<int:pk>/qr/code/", views.MeetingQrCodeView.as_view(), name="meeting_qr_code"),
    path("sign-in/<str:token>/", views.SignInView.as_view(), name="sign_in"),
    path("<int:pk>/pdf/", views.MeetingPdfView.as_view(), name="meeting_pdf"),
    path("<int:pk>/files/new/", views.MeetingFileUploadView.as_view(), name="file_upload"),
    path("files/<int:pk>/", views.MeetingFileView.as_view(), name="file"),
    path("<int:pk>/checklist/", views.ChecklistView.as_view(), name="checklist"),
    path("org/<int:pk>/appraisal/", views.AppraisalView.as_view(), name="appraisal"),
    path("org/<int:pk>/talks/", views.TalkView.as_view(), name="talks"),
    path("org/<int:pk>/groups/", views.PartyGroupView.as_view(), name="party_groups"),
    path("member/<int:pk>/", views.MemberRecordView.as_view(), name="member_record"),
    path("member/<int:pk>/account/", views.MemberAccountView.as_view(), name="member_account"),
    path("compliance/overview/", views.ComplianceOverviewView.as_view(), name="overview"),
    path("compliance/gaps/", views.GapListView.as_view(), name="gaps"),
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
    path("org/<int:pk>/calendar/", views.CalendarView.as_view(), name="calendar"),
    path("my/", views.MyOrglifeView.as_view(), name="my"),
    path("cadences/", views.CadenceView.as_view(), name="cadences"),
    path("org/<int:pk>/exemptions/new/", views.ExemptionCreateView.as_view(), name="exemption_create"),
]
