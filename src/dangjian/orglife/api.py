"""REST endpoints for organizational life: meetings (list, detail, schedule, record, attendance) and the
compliance table. The same actions, queries and scope as the pages."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.mixins import ListModelMixin, RetrieveModelMixin
from rest_framework.response import Response

from dangjian.api.base import ScopedGenericViewSet
from dangjian.orglife import actions, queries
from dangjian.orglife.models import AttendanceStatus, Meeting, MeetingKind, MeetingStatus


def _enum(choices, name):
    """A choice field whose enum is a component of its own name, so that the many fields called `status`
    or `kind` across the API do not collide in the schema."""
    described = "；".join(f"{value} {label}" for value, label in choices)
    schema = {"type": "string", "enum": [value for value, _label in choices], "description": described}

    @extend_schema_field(schema, component_name=name)
    class EnumField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    EnumField.__name__ = EnumField.__qualname__ = f"{name.removesuffix('Enum')}Field"
    return EnumField


MeetingKindField = _enum(MeetingKind.choices, "MeetingKindEnum")
MeetingStatusField = _enum(MeetingStatus.choices, "MeetingStatusEnum")
AttendanceStatusField = _enum(AttendanceStatus.choices, "AttendanceStatusEnum")
ColourField = _enum([("green", "无缺项"), ("amber", "缺1–2项"), ("red", "缺3项及以上")], "ComplianceColourEnum")


class MeetingSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    kind = MeetingKindField(read_only=True)
    status = MeetingStatusField(read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id", "org", "org_name", "kind", "topic", "held_on", "starts_at", "place", "host", "recorder", "lecturer",
            "minutes", "status", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class AttendanceRowSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member.pk")
    member_name = serializers.CharField(source="member.name")
    status = AttendanceStatusField()
    reason = serializers.CharField()
    recorded = serializers.BooleanField(help_text="false：尚未登记，status 为表单默认值")
    voting = serializers.BooleanField(help_text="有表决权（党籍正常的正式党员）")


class QuorumSerializer(serializers.Serializer):
    rule = serializers.CharField()
    label = serializers.CharField()
    present = serializers.IntegerField()
    due = serializers.IntegerField()
    needed = serializers.IntegerField()
    met = serializers.BooleanField()


class MeetingDetailSerializer(MeetingSerializer):
    attendance = serializers.SerializerMethodField()
    quorum = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "attendance", "quorum"]
        read_only_fields = fields

    def _sheet(self, obj):
        if "sheet" not in self.context:
            self.context["sheet"] = queries.attendance_sheet(obj)
        return self.context["sheet"]

    @extend_schema_field(AttendanceRowSerializer(many=True))
    def get_attendance(self, obj):
        return AttendanceRowSerializer(self._sheet(obj).rows, many=True).data

    @extend_schema_field(QuorumSerializer(allow_null=True))
    def get_quorum(self, obj):
        quorum = self._sheet(obj).quorum
        return QuorumSerializer(quorum).data if quorum else None


class MeetingDetailsSerializer(serializers.Serializer):
    topic = serializers.CharField(max_length=200)
    held_on = serializers.DateField()
    starts_at = serializers.TimeField(required=False, allow_null=True)
    place = serializers.CharField(max_length=128, required=False, allow_blank=True)
    host = serializers.CharField(max_length=64, required=False, allow_blank=True)
    recorder = serializers.CharField(max_length=64, required=False, allow_blank=True)
    lecturer = serializers.CharField(max_length=64, required=False, allow_blank=True)


class MeetingCreateSerializer(MeetingDetailsSerializer):
    org = serializers.IntegerField(help_text="党组织编号")
    kind = MeetingKindField()


class MeetingRecordSerializer(MeetingDetailsSerializer):
    topic = serializers.CharField(max_length=200, required=False)
    held_on = serializers.DateField(required=False)
    minutes = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(help_text="读取时的版本号；他人已修改时返回 409")


class AttendanceEntrySerializer(serializers.Serializer):
    member = serializers.IntegerField(help_text="党员编号（须为本组织党员）")
    status = AttendanceStatusField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AttendanceSerializer(serializers.Serializer):
    entries = AttendanceEntrySerializer(many=True, help_text="未列出且尚未登记的本组织党员登记为缺席")
    version = serializers.IntegerField(help_text="读取时的版本号；他人已修改时返回 409")


class GapSerializer(serializers.Serializer):
    kind = MeetingKindField()
    period = serializers.CharField(help_text="2026-Q1、2026-03 或 2026")


class ComplianceRowSerializer(serializers.Serializer):
    org = serializers.IntegerField(source="org.pk")
    org_name = serializers.CharField(source="org.name")
    has_committee = serializers.BooleanField()
    required = serializers.IntegerField(help_text="应开展的期间数（已扣除免于开展）")
    gap_count = serializers.IntegerField()
    exempted = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="完成率（%）")
    colour = ColourField()
    gaps = serializers.SerializerMethodField()

    @extend_schema_field(GapSerializer(many=True))
    def get_gaps(self, row):
        return [{"kind": k, "period": p} for k, p in row.gaps]


class MeetingViewSet(ListModelMixin, RetrieveModelMixin, ScopedGenericViewSet):
    """组织生活：列表、详情（含出勤和到会人数）、安排、登记会议记录、登记出勤；各党支部完成情况。"""

    queryset = Meeting.objects.select_related("org").order_by("-held_on", "-pk")
    serializer_class = MeetingSerializer
    action_verbs = {"create": "change", "attendance": "change", "compliance": "view"}

    def get_serializer_class(self):
        return {
            "retrieve": MeetingDetailSerializer,
            "create": MeetingCreateSerializer,
            "partial_update": MeetingRecordSerializer,
            "attendance": AttendanceSerializer,
            "compliance": ComplianceRowSerializer,
        }.get(self.action, MeetingSerializer)

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            params = self.request.query_params
            if params.get("org", "").isdigit():
                qs = qs.filter(org_id=int(params["org"]))
            if params.get("kind"):
                qs = qs.filter(kind=params["kind"])
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("org", OpenApiTypes.INT, description="党组织编号"),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=list(MeetingKind.values), description="类别"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=MeetingCreateSerializer, responses={201: MeetingSerializer})
    def create(self, request, *args, **kwargs):
        self.get_queryset()
        data = MeetingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        org = queries.orgs_for_meetings(request.user).filter(pk=fields.pop("org")).first()
        if org is None:
            raise serializers.ValidationError({"org": "党组织不存在或不在您的管辖范围内。"})
        meeting = actions.schedule_meeting(org, actor=request.user, **fields)
        return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MeetingRecordSerializer, responses={200: MeetingSerializer})
    def partial_update(self, request, *args, **kwargs):
        """登记会议记录，并标记为已召开。"""
        meeting = self.get_object()
        data = MeetingRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        version = fields.pop("version")
        meeting = actions.record_meeting(meeting, actor=request.user, expected_version=version, **fields)
        return Response(MeetingSerializer(meeting).data)

    @extend_schema(request=AttendanceSerializer, responses={200: MeetingDetailSerializer})
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        """登记出勤（到会人数只作提示，不据此拒绝）。"""
        meeting = self.get_object()
        data = AttendanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entries = {
            e["member"]: {"status": e["status"], "reason": e.get("reason", "")} for e in data.validated_data["entries"]
        }
        meeting = actions.record_attendance(
            meeting, entries, actor=request.user, expected_version=data.validated_data["version"]
        )
        return Response(MeetingDetailSerializer(meeting).data)

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="年度，默认本年")],
        responses={200: ComplianceRowSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def compliance(self, request):
        """管辖范围内各党支部本年度截至今天的组织生活完成情况（分页）。"""
        self.get_queryset()
        today = timezone.localdate()
        raw = request.query_params.get("year", "")
        year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else today.year
        through = min(today, today.replace(year=year, month=12, day=31))
        page = self.paginate_queryset(queries.branches(request.user))
        rows = queries.compliance_rows(list(page), year, through)
        return self.get_paginated_response(ComplianceRowSerializer(rows, many=True).data)
