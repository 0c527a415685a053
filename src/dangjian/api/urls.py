"""REST API under /api/v1/, the OpenAPI schema and an offline Swagger UI."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from dangjian.dues.api import DuesBillViewSet, DuesCollectionViewSet, DuesHardshipViewSet, DuesLedgerViewSet
from dangjian.members.api import MemberViewSet
from dangjian.members.import_api import ImportBatchViewSet
from dangjian.members.transfer_api import MobileRecordViewSet, TransferViewSet
from dangjian.orglife.api import MeetingViewSet
from dangjian.orgs.api import OrgViewSet
from dangjian.points.api import PointEntryViewSet, PointRuleSetViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("orgs", OrgViewSet, basename="org")
router.register("members", MemberViewSet, basename="member")
router.register("member-imports", ImportBatchViewSet, basename="memberimport")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("mobile-records", MobileRecordViewSet, basename="mobilerecord")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("dues-bills", DuesBillViewSet, basename="duesbill")
router.register("dues-hardship", DuesHardshipViewSet, basename="dueshardship")
router.register("dues-ledger", DuesLedgerViewSet, basename="duesledger")
router.register("dues-collection", DuesCollectionViewSet, basename="duescollection")
router.register("point-entries", PointEntryViewSet, basename="pointentry")
router.register("point-rule-sets", PointRuleSetViewSet, basename="pointruleset")

urlpatterns = [
    path("v1/", include((router.urls, "api"), namespace="api")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
