"""REST endpoints for organizational life: meetings (list, detail, schedule, record, attendance) and the
compliance table. The same actions, queries and scope as the pages."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.mixins import ListModelMixin, RetrieveModelMixin
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from dangjian.api.base import ScopedGenericViewSet
from dangjian.orglife import actions, queries
from dangjian.orglife.models import AttendanceStatus, Meeting, MeetingKind, MeetingStatus
from dangjian.orgs.models import Org


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
            "minutes", "status", "version", "created_at", "updated_at", "ends_at", "resolutions", "review_note",
            "submitted_at", "reviewed_at", "party_group",
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
    ends_at = serializers.TimeField(required=False, allow_null=True)
    place = serializers.CharField(max_length=128, required=False, allow_blank=True)
    host = serializers.CharField(max_length=64, required=False, allow_blank=True)
    recorder = serializers.CharField(max_length=64, required=False, allow_blank=True)
    lecturer = serializers.CharField(max_length=64, required=False, allow_blank=True)


class MeetingCreateSerializer(MeetingDetailsSerializer):
    org = serializers.IntegerField(help_text="党组织编号")
    kind = MeetingKindField()
    invitees = serializers.ListField(
        child=serializers.IntegerField(), required=False,
        help_text="参加人员（党员编号）；不填为本组织全体党员，党小组会为本小组党员",
    )  # fmt: skip
    party_group = serializers.IntegerField(
        required=False, allow_null=True, help_text="党小组编号：党小组会必填（本支部设有党小组时），按小组统计"
    )


class MeetingRecordSerializer(MeetingDetailsSerializer):
    topic = serializers.CharField(max_length=200, required=False)
    held_on = serializers.DateField(required=False)
    minutes = serializers.CharField(required=False, allow_blank=True)
    resolutions = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(help_text="读取时的版本号；他人已修改时返回 409")


class AttendanceEntrySerializer(serializers.Serializer):
    member = serializers.IntegerField(help_text="党员编号（须为本组织党员）")
    status = AttendanceStatusField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AttendanceSerializer(serializers.Serializer):
    entries = AttendanceEntrySerializer(many=True, help_text="未列出且尚未登记的本组织党员登记为缺席")
    version = serializers.IntegerField(help_text="读取时的版本号；他人已修改时返回 409")
    reason = serializers.CharField(
        max_length=255, required=False, allow_blank=True,
        help_text="审核通过后修改出勤的理由：记录已审核通过时必填，只修改列出的党员，修改内容留存",
    )  # fmt: skip


class GapSerializer(serializers.Serializer):
    kind = MeetingKindField()
    period = serializers.CharField(help_text="2026-Q1、2026-03 或 2026")
    party_group = serializers.CharField(required=False, help_text="党小组会缺项：所属党小组名称（LIFE-03）")


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
        own = [{"kind": k, "period": p} for k, p in row.gaps]
        return own + [{"kind": "group_meeting", "period": p, "party_group": name} for name, p in row.group_gaps]


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="读取时的版本号；他人已修改时返回 409")


class ReviewSerializer(VersionSerializer):
    approve = serializers.BooleanField(help_text="true 审核通过；false 退回")
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, help_text="退回时必填")


class AmendSerializer(MeetingRecordSerializer):
    reason = serializers.CharField(max_length=255, help_text="审核通过后修改的理由（必填）")


class SignInTokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="二维码内容：签到地址")
    valid_from = serializers.DateTimeField(read_only=True)
    valid_to = serializers.DateTimeField(read_only=True)


class SignInSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=100, help_text="扫码得到的一次性签到码")


class SignInResultSerializer(serializers.Serializer):
    meeting = serializers.IntegerField(source="meeting_id")
    member = serializers.IntegerField(source="member_id")
    status = AttendanceStatusField()


class ChecklistSerializer(serializers.Serializer):
    study = serializers.BooleanField(required=False)
    talks = serializers.BooleanField(required=False)
    opinions = serializers.BooleanField(required=False)
    criticism = serializers.BooleanField(required=False)
    rectification = serializers.CharField(required=False, allow_blank=True)


class MeetingFileSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    digest = serializers.CharField(read_only=True, help_text="SM3 摘要")


class MeetingFileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF、JPG 或 PNG，不超过20MB")
    title = serializers.CharField(max_length=128, required=False, allow_blank=True)


class MeetingViewSet(ListModelMixin, RetrieveModelMixin, ScopedGenericViewSet):
    """组织生活：列表、详情（含出勤和到会人数）、安排、登记会议记录、登记出勤；各党支部完成情况。"""

    queryset = Meeting.objects.select_related("org").order_by("-held_on", "-pk")
    serializer_class = MeetingSerializer
    action_verbs = {
        "create": "change", "attendance": "change", "compliance": "view", "submit": "change", "review": "review",
        "amend": "change", "sign_in_token": "change", "sign_in": "view", "checklist": "change", "files": "change",
    }  # fmt: skip

    def get_serializer_class(self):
        return {
            "retrieve": MeetingDetailSerializer,
            "create": MeetingCreateSerializer,
            "partial_update": MeetingRecordSerializer,
            "attendance": AttendanceSerializer,
            "compliance": ComplianceRowSerializer,
            "submit": VersionSerializer,
            "review": ReviewSerializer,
            "amend": AmendSerializer,
            "sign_in_token": SignInTokenSerializer,
            "sign_in": SignInSerializer,
            "checklist": ChecklistSerializer,
            "files": MeetingFileUploadSerializer,
        }.get(self.action, MeetingSerializer)

    def get_queryset(self):
        if self.action == "sign_in":
            return Meeting.objects.none()
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
        if "invitees" in fields:
            from dangjian.core.scope import restrict
            from dangjian.members.models import Member

            wanted = set(fields["invitees"])
            found = list(
                restrict(Member.objects.current(), request.user, "orglife.change_meeting").filter(pk__in=wanted)
            )
            if len(found) != len(wanted):
                raise serializers.ValidationError({"invitees": "参加人员须为您管辖范围内的在册党员。"})
            fields["invitees"] = found
        if fields.get("party_group") is not None:
            group = queries.party_groups(request.user, org).filter(pk=fields["party_group"]).first()
            if group is None:
                raise serializers.ValidationError({"party_group": "党小组不存在或不属于该党组织。"})
            fields["party_group"] = group
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
        """登记出勤（照实登记；未达到法定人数的党员大会、支委会不能报送或审核通过）。记录已审核通过时为
        审核后修改：须填写理由。"""
        meeting = self.get_object()
        data = AttendanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entries = {
            e["member"]: {"status": e["status"], "reason": e.get("reason", "")} for e in data.validated_data["entries"]
        }
        version = data.validated_data["version"]
        if meeting.status == "approved":
            reason = data.validated_data.get("reason", "")
            meeting = actions.amend_attendance(
                meeting, entries, actor=request.user, reason=reason, expected_version=version
            )
        else:
            meeting = actions.record_attendance(meeting, entries, actor=request.user, expected_version=version)
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
        year = _year_param(request)
        through = min(today, today.replace(year=year, month=12, day=31))
        page = self.paginate_queryset(queries.branches(request.user))
        rows = queries.compliance_rows(list(page), year, through)
        return self.get_paginated_response(ComplianceRowSerializer(rows, many=True).data)

    def _version(self, request):
        data = VersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data["version"]

    @extend_schema(request=VersionSerializer, responses={200: MeetingSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """报送上级党组织审核（支部党员大会须到会人数超过半数）。"""
        meeting = actions.submit_meeting(self.get_object(), actor=request.user, expected_version=self._version(request))
        return Response(MeetingSerializer(meeting).data)

    @extend_schema(request=ReviewSerializer, responses={200: MeetingSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """上级党组织审核：通过或退回（退回须填理由）。"""
        meeting = self.get_object()
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        meeting = actions.review_meeting(
            meeting, actor=request.user, approve=v["approve"], reason=v.get("reason", ""), expected_version=v["version"]
        )
        return Response(MeetingSerializer(meeting).data)

    @extend_schema(request=AmendSerializer, responses={200: MeetingSerializer})
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        """审核通过后修改：须填写理由，留存修改内容。"""
        meeting = self.get_object()
        data = AmendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        version, reason = fields.pop("version"), fields.pop("reason")
        meeting = actions.amend_meeting(meeting, actor=request.user, reason=reason, expected_version=version, **fields)
        return Response(MeetingSerializer(meeting).data)

    @extend_schema(request=None, responses={201: SignInTokenSerializer})
    @action(detail=True, methods=["post"], url_path="sign-in-token")
    def sign_in_token(self, request, pk=None):
        """生成一次性签到码（会议时间内有效，使用一次即失效）。"""
        from django.urls import reverse

        meeting = self.get_object()
        token = actions.issue_sign_in_token(meeting, actor=request.user)
        valid_from, valid_to = actions.sign_in_window(meeting)
        url = request.build_absolute_uri(reverse("orglife:sign_in", args=[token]))
        body = {"token": token, "url": url, "valid_from": valid_from, "valid_to": valid_to}
        return Response(SignInTokenSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SignInSerializer, responses={200: SignInResultSerializer})
    @action(detail=False, methods=["post"], url_path="sign-in")
    def sign_in(self, request):
        """党员本人扫码签到：登记为出席（账号须已关联党员信息；签到码一次有效）。"""
        from dangjian.core.scope import has_permission

        if not has_permission(request.user, "orglife.view_meeting"):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied("您没有执行此操作的权限。")
        data = SignInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attendance = actions.sign_in(data.validated_data["token"], user=request.user)
        return Response(SignInResultSerializer(attendance).data)

    @extend_schema(request=ChecklistSerializer, responses={200: ChecklistSerializer})
    @action(detail=True, methods=["post"])
    def checklist(self, request, pk=None):
        """组织生活会准备清单（会前学习、谈心谈话、征求意见、批评与自我批评、整改清单）。"""
        meeting = self.get_object()
        data = ChecklistSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        checklist = actions.save_checklist(meeting, actor=request.user, **data.validated_data)
        return Response(ChecklistSerializer(checklist).data)

    @extend_schema(request={"multipart/form-data": MeetingFileUploadSerializer}, responses={201: MeetingFileSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def files(self, request, pk=None):
        """上传会议照片或附件（待审核、审核通过的记录不能上传）。"""
        meeting = self.get_object()
        data = MeetingFileUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = actions.attach_file(
            meeting, data.validated_data["file"], actor=request.user, title=data.validated_data.get("title", "")
        )
        return Response(MeetingFileSerializer(row).data, status=status.HTTP_201_CREATED)


# ------------------------------------------------------------------------------- per-org organizational life


class SlotSerializer(serializers.Serializer):
    kind = MeetingKindField()
    period = serializers.CharField()
    first = serializers.DateField()
    last = serializers.DateField()
    state = serializers.CharField(
        help_text="done 已开展；planned 已安排；open 待安排；missed 未开展；exempted 免于开展"
    )
    meetings = serializers.ListField(child=serializers.IntegerField())


class NodeSerializer(serializers.Serializer):
    org = serializers.IntegerField(source="org.pk")
    org_name = serializers.CharField(source="org.name")
    is_branch = serializers.BooleanField()
    branches = serializers.IntegerField()
    required = serializers.IntegerField()
    gaps = serializers.IntegerField()
    branches_with_gaps = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    colour = ColourField()


class OverviewSerializer(serializers.Serializer):
    total = NodeSerializer()
    children = NodeSerializer(many=True)


class BranchGapSerializer(serializers.Serializer):
    org = serializers.IntegerField(source="org_id")
    org_name = serializers.CharField(source="name")
    gaps = serializers.IntegerField()
    required = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    colour = ColourField()
    gaps_by_kind = serializers.DictField(child=serializers.IntegerField())


class AppraisalEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    member = serializers.IntegerField(source="member_id", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)
    graded = serializers.BooleanField(read_only=True)
    self_assessment = serializers.CharField(required=False, allow_blank=True)
    peer_assessment = serializers.CharField(required=False, allow_blank=True)
    votes_excellent = serializers.IntegerField(required=False, min_value=0)
    votes_qualified = serializers.IntegerField(required=False, min_value=0)
    votes_basic = serializers.IntegerField(required=False, min_value=0)
    votes_unqualified = serializers.IntegerField(required=False, min_value=0)
    grade = serializers.CharField(required=False, allow_blank=True, help_text="excellent/qualified/basic/unqualified")


class AppraisalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    closed = serializers.BooleanField()
    version = serializers.IntegerField()
    entries = AppraisalEntrySerializer(many=True, source="entries.all")


class AppraisalWriteSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    op = serializers.ChoiceField(choices=["open", "save", "close"], help_text="open 开始；save 保存；close 确定等次")
    version = serializers.IntegerField(required=False)
    entries = AppraisalEntrySerializer(many=True, required=False)


class TalkSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    held_on = serializers.DateField()
    first = serializers.IntegerField(source="first_id", help_text="谈话人（党员编号）")
    second = serializers.IntegerField(source="second_id", help_text="谈话对象（党员编号）")
    topic = serializers.CharField(max_length=200)


class TalkCoverageSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    covered = serializers.IntegerField()
    required = serializers.IntegerField()
    talks = TalkSerializer(many=True)


class CadenceSerializer(serializers.Serializer):
    kind = MeetingKindField()
    cadence = serializers.ChoiceField(choices=["monthly", "quarterly", "yearly", "none"])
    effective_from = serializers.DateField()
    note = serializers.CharField(max_length=255, required=False, allow_blank=True)


def _year_param(request):
    """?year= within the years the pages accept, else this year (the pages' own parser)."""
    from dangjian.orglife.views import _year

    return _year(request.query_params.get("year"), timezone.localdate().year)


def _quarter_param(request):
    raw = request.query_params.get("q", "")
    return int(raw) if raw in ("1", "2", "3", "4") else None


class OrglifeOrgViewSet(ScopedGenericViewSet):
    """各党组织的组织生活：日历、完成情况下钻、有缺项的党支部、民主评议党员、谈心谈话、开展频次。"""

    queryset = Org.objects.active().order_by("path")
    serializer_class = NodeSerializer
    action_verbs = {
        "calendar": "orglife.view_meeting", "overview": "orglife.view_meeting", "gaps": "orglife.view_meeting",
        "appraisal": "orglife.view_meeting", "appraisal_write": "orglife.change_meeting",
        "talks": "orglife.view_meeting", "talk": "orglife.change_meeting", "cadence": "orglife.change_meeting",
    }  # fmt: skip

    @extend_schema(parameters=[OpenApiParameter("year", OpenApiTypes.INT)], responses={200: SlotSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)  # a plain list (schema conformance, FUZ-01)
    def calendar(self, request, pk=None):
        """本年度应开展的组织生活（按类别和期间）及其状态。"""
        org = self.get_object()
        slots, _meetings = queries.calendar_slots(org, _year_param(request))
        today = timezone.localdate()
        body = [
            {"kind": s.kind, "period": s.period, "first": s.first, "last": s.last, "state": s.state(today),
             "meetings": [m.pk for m in s.held + s.planned]}
            for s in slots
        ]  # fmt: skip
        return Response(SlotSerializer(body, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT), OpenApiParameter("q", OpenApiTypes.INT)],
        responses={200: OverviewSerializer},
    )
    @action(detail=True, methods=["get"])
    def overview(self, request, pk=None):
        """完成情况下钻：本组织合计和各下级组织（季度 q=1..4 或全年）。"""
        from dangjian.orglife import rollup

        org = self.get_object()
        total, children = rollup.drill_down(
            request.user, org, _year_param(request), _quarter_param(request), timezone.localdate()
        )
        return Response(OverviewSerializer({"total": total, "children": children}).data)

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT), OpenApiParameter("q", OpenApiTypes.INT)],
        responses={200: BranchGapSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def gaps(self, request):
        """管辖范围内有缺项的党支部（缺项多的在前，分页）。"""
        from dangjian.orglife import rollup

        self.get_queryset()
        rows = rollup.branches_with_gaps(
            request.user, None, _year_param(request), _quarter_param(request), timezone.localdate()
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(BranchGapSerializer(page, many=True).data)

    @extend_schema(parameters=[OpenApiParameter("year", OpenApiTypes.INT)], responses={200: AppraisalSerializer})
    @action(detail=True, methods=["get"])
    def appraisal(self, request, pk=None):
        """本年度民主评议党员（名单、测评票、等次）。"""
        from django.http import Http404

        from dangjian.orglife.models import Appraisal

        org = self.get_object()
        appraisal = Appraisal.objects.filter(org=org, year=_year_param(request)).first()
        if appraisal is None:
            raise Http404
        return Response(AppraisalSerializer(appraisal).data)

    @extend_schema(request=AppraisalWriteSerializer, responses={200: AppraisalSerializer})
    @appraisal.mapping.post
    def appraisal_write(self, request, pk=None):
        """开始评议（op=open）、保存（save）或确定等次（close，优秀不超过三分之一）。"""
        from dangjian.orglife.models import Appraisal

        org = self.get_object()
        data = AppraisalWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if v["op"] == "open":
            appraisal = actions.open_appraisal(org, actor=request.user, year=v["year"])
        else:
            appraisal = Appraisal.objects.filter(org=org, year=v["year"]).first()
            if appraisal is None:
                raise serializers.ValidationError({"year": "尚未开始本年度民主评议党员。"})
            entries = {e.pop("id"): e for e in (dict(x) for x in v.get("entries", []))}
            appraisal = actions.record_appraisal(
                appraisal, entries, actor=request.user, expected_version=v.get("version")
            )
            if v["op"] == "close":
                appraisal = actions.close_appraisal(appraisal, actor=request.user, expected_version=appraisal.version)
        return Response(AppraisalSerializer(appraisal).data)

    @extend_schema(parameters=[OpenApiParameter("year", OpenApiTypes.INT)], responses={200: TalkCoverageSerializer})
    @action(detail=True, methods=["get"])
    def talks(self, request, pk=None):
        """谈心谈话记录和覆盖情况（LIFE-10）。"""
        from dangjian.orglife.models import Talk

        org = self.get_object()
        year = _year_param(request)
        covered, required, _missing = queries.talk_coverage(org, year)
        talks = Talk.objects.filter(org=org, held_on__year=year)
        body = {"year": year, "covered": covered, "required": required, "talks": talks}
        return Response(TalkCoverageSerializer(body).data)

    @extend_schema(request=TalkSerializer, responses={201: TalkSerializer})
    @talks.mapping.post
    def talk(self, request, pk=None):
        """登记一次谈心谈话。"""
        from dangjian.members.models import Member

        org = self.get_object()
        data = TalkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        people = Member.objects.in_bulk([v["first_id"], v["second_id"]])
        if v["first_id"] not in people or v["second_id"] not in people:
            raise serializers.ValidationError({"second": "谈话双方须为本组织在册党员。"})
        talk = actions.record_talk(
            org, actor=request.user, held_on=v["held_on"], first=people[v["first_id"]],
            second=people[v["second_id"]], topic=v["topic"],
        )  # fmt: skip
        return Response(TalkSerializer(talk).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CadenceSerializer, responses={201: CadenceSerializer})
    @action(detail=True, methods=["post"])
    def cadence(self, request, pk=None):
        """为本组织及下级规定某类组织生活的开展频次（自生效日期起）。"""
        org = self.get_object()
        data = CadenceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = actions.set_cadence(org, actor=request.user, **data.validated_data)
        return Response(CadenceSerializer(rule).data, status=status.HTTP_201_CREATED)
