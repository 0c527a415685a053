"""REST endpoints for orgs: thin, through the same actions and the same scope as the UI."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.mixins import CreateModelMixin, ListModelMixin, RetrieveModelMixin
from rest_framework.response import Response

from dangjian.api.base import ScopedGenericViewSet
from dangjian.core.scope import restrict
from dangjian.orgs import actions
from dangjian.orgs.filters import OrgFilter
from dangjian.orgs.models import Org, OrgKind, Sector


class OrgSerializer(serializers.ModelSerializer):
    # Integers declared plainly: the model's ranges depend on the database, the schema must not.
    sort_order = serializers.IntegerField(required=False)
    depth = serializers.IntegerField(read_only=True)
    member_count = serializers.IntegerField(read_only=True)
    full_member_count = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    sector_display = serializers.CharField(source="get_sector_display", read_only=True)

    class Meta:
        model = Org
        fields = [
            "id",
            "name",
            "short_name",
            "kind",
            "kind_display",
            "sector",
            "sector_display",
            "code",
            "unit_name",
            "unit_category",
            "unit_credit_code",
            "established_on",
            "dissolved_on",
            "sort_order",
            "parent",
            "depth",
            "member_count",
            "full_member_count",
            "version",
        ]
        read_only_fields = ["dissolved_on", "depth", "member_count", "full_member_count", "version", "parent"]


class OrgCreateSerializer(serializers.Serializer):
    parent = serializers.IntegerField(help_text="上级党组织编号")
    name = serializers.CharField(max_length=128)
    short_name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=OrgKind.choices)
    sector = serializers.ChoiceField(choices=Sector.choices, default=Sector.OTHER)
    code = serializers.CharField(max_length=32)
    established_on = serializers.DateField(required=False)
    unit_name = serializers.CharField(max_length=128, required=False, allow_blank=True)
    unit_category = serializers.CharField(max_length=64, required=False, allow_blank=True)
    unit_credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True)
    sort_order = serializers.IntegerField(required=False)


class OrgUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="读取时的版本号；他人已修改时返回 409")
    name = serializers.CharField(max_length=128, required=False)
    short_name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=OrgKind.choices, required=False)
    sector = serializers.ChoiceField(choices=Sector.choices, required=False)
    code = serializers.CharField(max_length=32, required=False)
    established_on = serializers.DateField(required=False)
    unit_name = serializers.CharField(max_length=128, required=False, allow_blank=True)
    unit_category = serializers.CharField(max_length=64, required=False, allow_blank=True)
    unit_credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True)
    sort_order = serializers.IntegerField(required=False)


class OrgMoveSerializer(serializers.Serializer):
    parent = serializers.IntegerField(help_text="新的上级党组织编号")
    on = serializers.DateField(required=False, help_text="调整日期，默认今天")
    version = serializers.IntegerField()


class OrgDissolveSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="撤销日期，默认今天")
    reason = serializers.CharField(max_length=255)
    version = serializers.IntegerField()


class OrgViewSet(ListModelMixin, RetrieveModelMixin, CreateModelMixin, ScopedGenericViewSet):
    """党组织：列表（可按所辖范围过滤）、详情、新建、修改、调整隶属关系、撤销。"""

    queryset = Org.objects.all().order_by("path")
    serializer_class = OrgSerializer
    filterset_class = OrgFilter
    action_verbs = {"move": "move", "dissolve": "dissolve"}

    def get_serializer_class(self):
        return {
            "create": OrgCreateSerializer,
            "partial_update": OrgUpdateSerializer,
            "move": OrgMoveSerializer,
            "dissolve": OrgDissolveSerializer,
        }.get(self.action, OrgSerializer)

    def _parent(self, pk, verb):
        # The parent must be inside the actor's scope for the same verb, else it "does not exist".
        parent = restrict(Org.objects.all(), self.request.user, verb).filter(pk=pk).first()
        if parent is None:
            raise serializers.ValidationError({"parent": "上级党组织不存在或不在您的管辖范围内。"})
        return parent

    @extend_schema(request=OrgCreateSerializer, responses={201: OrgSerializer})
    def create(self, request, *args, **kwargs):
        self.get_queryset()  # permission check: 403 without orgs.add_org anywhere
        data = OrgCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        parent = self._parent(fields.pop("parent"), "add")
        org = actions.create_org(parent, actor=request.user, **fields)
        return Response(OrgSerializer(org).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OrgUpdateSerializer, responses={200: OrgSerializer})
    def partial_update(self, request, *args, **kwargs):
        org = self.get_object()
        data = OrgUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        version = fields.pop("version")
        org = actions.update_org(org, actor=request.user, expected_version=version, **fields)
        return Response(OrgSerializer(org).data)

    @extend_schema(request=OrgMoveSerializer, responses={200: OrgSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        org = self.get_object()
        data = OrgMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parent = self._parent(data.validated_data["parent"], "move")
        org = actions.move_org(
            org,
            parent,
            actor=request.user,
            on=data.validated_data.get("on"),
            expected_version=data.validated_data["version"],
        )
        return Response(OrgSerializer(org).data)

    @extend_schema(request=OrgDissolveSerializer, responses={200: OrgSerializer})
    @action(detail=True, methods=["post"])
    def dissolve(self, request, pk=None):
        org = self.get_object()
        data = OrgDissolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org = actions.dissolve_org(
            org,
            actor=request.user,
            on=data.validated_data.get("on"),
            reason=data.validated_data["reason"],
            expected_version=data.validated_data["version"],
        )
        return Response(OrgSerializer(org).data)
