"""REST API under /api/v1/, the OpenAPI schema and an offline Swagger UI."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from dangjian.dues.api import (
    DuesAidViewSet,
    DuesBillViewSet,
    DuesCollectionViewSet,
    DuesHardshipViewSet,
    DuesLedgerViewSet,
    DuesPaymentViewSet,
)
from dangjian.members.api import MemberViewSet
from dangjian.members.import_api import ImportBatchViewSet
from dangjian.members.transfer_api import MobileRecordViewSet, TransferViewSet
from dangjian.orglife.api import MeetingViewSet, OrglifeOrgViewSet
from dangjian.orgs.api import OrgViewSet
from dangjian.points.api import PioneerPostViewSet, PointEntryViewSet, PointRuleSetViewSet
from dangjian.recruitment.api import CaseImportViewSet, RecruitmentCaseViewSet, RecruitmentQuotaViewSet
from dangjian.stats.api import StatsViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("orgs", OrgViewSet, basename="org")
router.register("members", MemberViewSet, basename="member")
router.register("member-imports", ImportBatchViewSet, basename="memberimport")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("mobile-records", MobileRecordViewSet, basename="mobilerecord")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("dues-bills", DuesBillViewSet, basename="duesbill")
router.register("recruitment-cases", RecruitmentCaseViewSet, basename="recruitmentcase")
router.register("recruitment-quotas", RecruitmentQuotaViewSet, basename="recruitmentquota")
router.register("recruitment-imports", CaseImportViewSet, basename="caseimport")
router.register("stats", StatsViewSet, basename="stats")
router.register("orglife-orgs", OrglifeOrgViewSet, basename="orglifeorg")
router.register("dues-hardship", DuesHardshipViewSet, basename="dueshardship")
router.register("dues-ledger", DuesLedgerViewSet, basename="duesledger")
router.register("dues-collection", DuesCollectionViewSet, basename="duescollection")
router.register("point-entries", PointEntryViewSet, basename="pointentry")
router.register("point-rule-sets", PointRuleSetViewSet, basename="pointruleset")
router.register("dues-hardship-aid", DuesAidViewSet, basename="duesaid")
router.register("pioneer-posts", PioneerPostViewSet, basename="pioneerpost")
router.register("dues-payments", DuesPaymentViewSet, basename="duespayment")


class SwaggerView(SpectacularSwaggerSplitView):
    """GET and HEAD only: DRF would answer OPTIONS through the page's HTML renderer, which has no template for
    it (a 500 found by the malformed-request test); other methods get DRF's 405 after authentication."""

    http_method_names = ["get", "head"]


urlpatterns = [
    path("v1/", include((router.urls, "api"), namespace="api")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view loads its init script from a URL and our template drops the inline <style> (CSP).
    path(
        "docs/",
        SwaggerView.as_view(url_name="api-schema", template_name="security/swagger_ui.html"),
        name="api-docs",
    ),
]
