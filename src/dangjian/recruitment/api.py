"""REST endpoints for recruitment (发展党员): cases (list, detail with the 25-step timeline, start), steps,
upper-committee decisions and queues, transfer, counts per stage per org. The same actions, queries and scope
as the pages; refusals are 400 with the rule id and the Chinese message."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.mixins import ListModelMixin, RetrieveModelMixin
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from dangjian.api.base import ScopedGenericViewSet
from dangjian.core.errors import OutOfScope, RuleViolation
from dangjian.core.scope import restrict
from dangjian.members.choices import Sex
from dangjian.members.models import Member
from dangjian.orgs.models import Org
from dangjian.recruitment import actions, importer, queries, rules
from dangjian.recruitment.models import CaseImport, CaseState, LocalOption, Queue, RecruitmentCase

EVENT_CHOICES = [(e, label) for e, (_n, label) in rules.EVENTS.items() if e != "apply"]


def _enum(choices, name):
    described = "；".join(f"{value} {label}" for value, label in choices)
    schema = {"type": "string", "enum": [value for value, _label in choices], "description": described}

    @extend_schema_field(schema, component_name=name)
    class EnumField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    EnumField.__name__ = EnumField.__qualname__ = f"{name.removesuffix('Enum')}Field"
    return EnumField


CaseStateField = _enum(CaseState.choices, "RecruitmentStateEnum")
QueueField = _enum(Queue.choices, "RecruitmentQueueEnum")
EventField = _enum(EVENT_CHOICES, "RecruitmentEventEnum")


class CaseSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    state = CaseStateField(read_only=True)
    awaiting = serializers.CharField(read_only=True, help_text="待上级党委办理的事项（空：无）")

    class Meta:
        model = RecruitmentCase
        fields = [
            "id",
            "member",
            "member_name",
            "org",
            "org_name",
            "state",
            "awaiting",
            "rule_version",
            "application_date",
            "talk_date",
            "activist_date",
            "candidate_date",
            "political_review_date",
            "training_days",
            "training_hours",
            "prereview_date",
            "acceptance_date",
            "approval_date",
            "oath_date",
            "probation_end",
            "extension_months",
            "conversion_meeting_date",
            "conversion_approval_date",
            "conversion_date",
            "next_due",
            "next_rule",
            "next_label",
            "violations",
            "is_open",
            "version",
        ]
        read_only_fields = fields


class StepRecordSerializer(serializers.Serializer):
    event = serializers.CharField()
    step_no = serializers.IntegerField()
    title = serializers.CharField()
    on = serializers.DateField()
    documents = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField()
    org = serializers.IntegerField(source="org_id")
    actor = serializers.CharField(source="actor.username", default="")


class NextStepSerializer(serializers.Serializer):
    event = serializers.CharField()
    label = serializers.CharField()
    step = serializers.IntegerField()


class CaseDetailSerializer(CaseSerializer):
    steps = serializers.SerializerMethodField()
    next_steps = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "steps", "next_steps"]
        read_only_fields = fields

    @extend_schema_field(StepRecordSerializer(many=True))
    def get_steps(self, obj):
        return StepRecordSerializer(obj.steps.select_related("actor").order_by("on", "pk"), many=True).data

    @extend_schema_field(NextStepSerializer(many=True))
    def get_next_steps(self, obj):
        return [{"event": e, "label": label, "step": n} for e, label, n in queries.next_actions(obj)]


class StartSerializer(serializers.Serializer):
    member = serializers.IntegerField(required=False, help_text="名册中人员编号（尚非党员）；与新申请人信息二选一")
    org = serializers.IntegerField(required=False, help_text="新申请人所在党支部编号")
    name = serializers.CharField(max_length=64, required=False)
    sex = _enum(Sex.choices, "RecruitmentSexEnum")(required=False)
    birth_date = serializers.DateField(required=False)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True)
    on = serializers.DateField(help_text="递交入党申请书日期")
    documents = serializers.ListField(child=serializers.CharField(), required=False, help_text="如 application_letter")
    note = serializers.CharField(required=False, allow_blank=True)


class VoteSerializer(serializers.Serializer):
    due = serializers.IntegerField(min_value=0)
    present = serializers.IntegerField(min_value=0)
    written = serializers.IntegerField(min_value=0, required=False, default=0)
    in_favour = serializers.IntegerField(min_value=0)
    against = serializers.IntegerField(min_value=0)
    abstain = serializers.IntegerField(min_value=0)


class StepSerializer(serializers.Serializer):
    event = EventField()
    on = serializers.DateField()
    version = serializers.IntegerField(help_text="读取时的版本号；他人已修改时返回 409")
    documents = serializers.ListField(child=serializers.CharField(), required=False)
    note = serializers.CharField(required=False, allow_blank=True)
    recommended_by = serializers.ChoiceField(choices=["members", "league", "masses"], required=False)
    people = serializers.ListField(child=serializers.IntegerField(), required=False, help_text="培养联系人或入党介绍人")
    sanctions = serializers.DictField(child=serializers.CharField(), required=False, help_text="党员编号 → 处分")
    notice_end = serializers.DateField(required=False)
    notice_blocked = serializers.BooleanField(required=False)
    passed = serializers.BooleanField(required=False)
    days = serializers.IntegerField(min_value=0, required=False)
    hours = serializers.IntegerField(min_value=0, required=False)
    leaving_soon = serializers.BooleanField(required=False)
    vote = VoteSerializer(required=False)
    outcome = serializers.ChoiceField(choices=[rules.CONVERT, rules.EXTEND, rules.CANCEL], required=False)
    months = serializers.IntegerField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True)


class DecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, help_text="退回时必填")
    by_org = serializers.IntegerField(required=False, help_text="办理党委编号；默认为具有审批权限的党委（RUR-12）")
    version = serializers.IntegerField()


class TransferSerializer(serializers.Serializer):
    to_org = serializers.IntegerField()
    on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True)


class QueueSerializer(serializers.Serializer):
    key = QueueField()
    label = serializers.CharField()
    step = serializers.IntegerField()
    cases = CaseSerializer(many=True)


class OrgCountsSerializer(serializers.Serializer):
    org_id = serializers.IntegerField()
    name = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="阶段 → 人数")
    total = serializers.IntegerField()


class RecruitmentCaseViewSet(ListModelMixin, RetrieveModelMixin, ScopedGenericViewSet):
    """发展党员档案：列表（可按阶段、逾期、违规、党组织筛选）、详情（25个步骤）、登记入党申请、登记步骤、上级党委办理、转接、待办队列、分阶段统计。"""

    queryset = RecruitmentCase.objects.select_related("member", "org").order_by("next_due", "pk")
    serializer_class = CaseSerializer
    action_verbs = {
        "create": "change",
        "step": "change",
        "transfer": "change",
        "decide": "approve",
        "queues": "approve",
        "counts": "view",
    }

    def get_serializer_class(self):
        return {
            "retrieve": CaseDetailSerializer,
            "create": StartSerializer,
            "step": StepSerializer,
            "decide": DecideSerializer,
            "transfer": TransferSerializer,
            "queues": QueueSerializer,
            "counts": OrgCountsSerializer,
        }.get(self.action, CaseSerializer)

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            p = self.request.query_params
            today = timezone.localdate()
            if p.get("state") in CaseState.values:
                qs = qs.filter(state=p["state"])
            if p.get("overdue") in ("1", "true"):
                qs = qs.filter(is_open=True, next_due__lt=today)
            if p.get("broken") in ("1", "true"):
                qs = qs.filter(has_violation=True)
            if p.get("rule") in rules.CODE_MESSAGES:
                qs = qs.filter(has_violation=True, violations__icontains=f'"{p["rule"]}"')
            if p.get("org", "").isdigit():
                org = restrict(Org.objects.all(), self.request.user, "view").filter(pk=int(p["org"])).first()
                qs = qs.filter(org__path__in_subtree=org.path) if org else qs.none()
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=list(CaseState.values), description="阶段"),
            OpenApiParameter("overdue", OpenApiTypes.BOOL, description="只看逾期"),
            OpenApiParameter("broken", OpenApiTypes.BOOL, description="只看有违规"),
            OpenApiParameter("rule", OpenApiTypes.STR, enum=sorted(rules.CODE_MESSAGES), description="违反的规则"),
            OpenApiParameter("org", OpenApiTypes.INT, description="党组织编号（含下级）"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=StartSerializer, responses={201: CaseDetailSerializer})
    def create(self, request, *args, **kwargs):
        """登记入党申请（第1步）：名册中人员或新申请人。"""
        self.get_queryset()
        data = StartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        common = {"on": d["on"], "documents": d.get("documents") or [], "note": d.get("note") or ""}
        if d.get("member"):
            member = restrict(Member.objects.select_related("org"), request.user, "view").filter(pk=d["member"]).first()
            if member is None:
                raise OutOfScope("人员不存在或不在您的管辖范围内。")
            case = actions.start_case(member, actor=request.user, **common)
        else:
            if not (d.get("org") and d.get("name") and d.get("sex") and d.get("birth_date")):
                raise serializers.ValidationError(
                    {"member": "请提供名册中人员编号，或新申请人的党支部、姓名、性别和出生日期。"}
                )
            org = restrict(Org.objects.all(), request.user, queries.CHANGE).filter(pk=d["org"]).first()
            if org is None:
                raise OutOfScope("党组织不存在或不在您的管辖范围内。")
            person = {k: d[k] for k in ("name", "sex", "birth_date") if k in d}
            if d.get("id_number"):
                person["id_number"] = d["id_number"]
            case = actions.start_new_applicant(org, actor=request.user, **common, **person)
        return Response(CaseDetailSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StepSerializer, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def step(self, request, pk=None):
        """登记一个步骤（第2–25步中支部办理的步骤）；不符合规定时返回 400 和规则编号。"""
        case = self.get_object()
        data = StepSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        event = d.pop("event")
        version = d.pop("version")
        case = actions.record_step(case, event, actor=request.user, expected_version=version, **d)
        return Response(CaseDetailSerializer(case).data)

    @extend_schema(request=DecideSerializer, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """上级党委办理待办事项（备案、同意、预审、审批、转正审批）：同意或退回（须填写理由）。"""
        case = self.get_object()
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        by_org = None
        if d.get("by_org"):
            by_org = restrict(Org.objects.all(), request.user, "view").filter(pk=d["by_org"]).first()
            if by_org is None:
                raise OutOfScope("办理党委不存在或不在您的管辖范围内。")
        if not case.awaiting:
            raise RuleViolation("DEV-STATE", "该档案没有待上级党委办理的事项")
        case = actions.decide(
            case,
            case.awaiting,
            actor=request.user,
            approve=d["approve"],
            on=d["on"],
            reason=d.get("reason", ""),
            by_org=by_org,
            expected_version=d["version"],
        )
        return Response(CaseDetailSerializer(case).data)

    @extend_schema(request=TransferSerializer, responses={200: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        """发展档案转接：历史记录和培养时间连续。"""
        case = self.get_object()
        data = TransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        to_org = restrict(Org.objects.all(), request.user, queries.CHANGE).filter(pk=d["to_org"]).first()
        if to_org is None:
            raise OutOfScope("转入党组织不存在或不在您的管辖范围内。")
        case = actions.transfer_case(case, to_org, actor=request.user, on=d["on"], note=d.get("note", ""))
        return Response(CaseDetailSerializer(case).data)

    @extend_schema(responses={200: QueueSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None)  # a plain list (schema conformance, FUZ-01)
    def queues(self, request):
        """上级党委待办队列：备案、同意列为发展对象、预审、审批、转正审批。"""
        self.get_queryset()
        return Response(QueueSerializer(queries.queues(request.user), many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("org", OpenApiTypes.INT, description="党组织编号（含下级）")],
        responses={200: OrgCountsSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def counts(self, request):
        """各党组织分阶段人数（分页）。"""
        self.get_queryset()
        raw = request.query_params.get("org", "")
        org = restrict(Org.objects.all(), request.user, "view").filter(pk=int(raw)).first() if raw.isdigit() else None
        page = self.paginate_queryset(queries.counts_per_org(request.user, org))
        return self.get_paginated_response(OrgCountsSerializer(page, many=True).data)


class QuotaSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    org_id = serializers.IntegerField()
    org_name = serializers.CharField()
    year = serializers.IntegerField()
    quota = serializers.IntegerField(help_text="发展党员计划指标（人）")
    intake = serializers.IntegerField(help_text="该党组织及其下级本年度批准接收的预备党员人数")
    state = serializers.ChoiceField(choices=list(rules.QUOTA_STATES.items()), help_text="under/met/over")
    state_label = serializers.CharField()
    gap = serializers.IntegerField(help_text="距指标尚差人数")
    excess = serializers.IntegerField(help_text="超出指标人数")
    version = serializers.IntegerField()
    note = serializers.CharField()


class QuotaSetSerializer(serializers.Serializer):
    org = serializers.IntegerField(help_text="党组织编号（指标适用于其及下级）")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    quota = serializers.IntegerField(min_value=0, max_value=rules.LOCAL_OPTION_MAX["DEV-P8"])
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)
    version = serializers.IntegerField(
        required=False, help_text="修改已设置的指标时：读取时的版本号；他人已修改时返回 409"
    )


def _year_param(request) -> int:
    raw = request.query_params.get("year", "")
    if not raw:
        return timezone.localdate().year
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise serializers.ValidationError({"year": "年度应为2000至2100之间的整数"})
    return int(raw)


class RecruitmentQuotaViewSet(ScopedGenericViewSet):
    """年度发展党员计划指标（DEV-P8，地方规定）：列表（本年或 year 指定年度，含批准接收人数和完成情况）；
    设置或修改（按版本号）。"""

    queryset = LocalOption.objects.select_related("org")
    serializer_class = QuotaSerializer
    pagination_class = None  # one row per quota org: a plain list (schema conformance, FUZ-01)
    action_verbs = {"list": "recruitment.view_recruitmentcase", "create": "change"}

    @extend_schema(
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, description="年度（默认本年）"),
            OpenApiParameter("org", OpenApiTypes.INT, description="党组织编号（含下级）"),
        ],
        responses={200: QuotaSerializer(many=True)},
    )
    def list(self, request):
        self.get_queryset()
        year = _year_param(request)
        raw = request.query_params.get("org", "")
        org = restrict(Org.objects.all(), request.user, "view").filter(pk=int(raw)).first() if raw.isdigit() else None
        if raw and org is None:
            return Response([])
        return Response(QuotaSerializer(queries.quotas(request.user, year, org), many=True).data)

    @extend_schema(request=QuotaSetSerializer, responses={201: QuotaSerializer})
    def create(self, request):
        self.get_queryset()
        data = QuotaSetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        org = restrict(Org.objects.all(), request.user, actions.OPTIONS).filter(pk=d["org"]).first()
        if org is None:
            raise OutOfScope("党组织不存在或不在您的管辖范围内。")
        actions.set_quota(
            org, d["year"], d["quota"], actor=request.user, note=d.get("note", ""), expected_version=d.get("version")
        )
        row = next(q for q in queries.quotas(request.user, d["year"], org) if q["org_id"] == org.pk)
        return Response(QuotaSerializer(row).data, status=status.HTTP_201_CREATED)


class CaseImportSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    report = serializers.ListField(child=serializers.DictField(), read_only=True, help_text="逐行结果")

    class Meta:
        model = CaseImport
        fields = [
            "id", "filename", "digest", "state", "state_display", "total_rows", "error_rows", "warning_rows",
            "report", "created_at", "committed_at", "rolled_back_at",
        ]  # fmt: skip
        read_only_fields = fields


class CaseUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="发展党员档案 xlsx（使用导入模板）")


class CaseImportViewSet(ListModelMixin, RetrieveModelMixin, ScopedGenericViewSet):
    """发展党员档案导入：上传即逐行校验（错误和违规提示）；无错误时确认导入（整批写入或全部不写入）；
    导入后未办理后续步骤的批次可撤销。"""

    queryset = CaseImport.objects.order_by("-created_at")
    serializer_class = CaseImportSerializer
    action_verbs = {
        "list": queries.CHANGE,
        "retrieve": queries.CHANGE,
        "create": queries.CHANGE,
        "commit": queries.CHANGE,
        "rollback": queries.CHANGE,
    }
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": CaseUploadSerializer}, responses={201: CaseImportSerializer})
    def create(self, request, *args, **kwargs):
        self.get_queryset()
        data = CaseUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = importer.store_upload(data.validated_data["file"], user=request.user)
        try:
            importer.run_preview(batch, user=request.user)
        except importer.ImportFileError as exc:
            raise RuleViolation("DEV-IMPORT", str(exc)) from exc
        batch.refresh_from_db()
        return Response(CaseImportSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: CaseImportSerializer})
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        batch = self.get_object()
        importer.commit(batch, user=request.user)
        batch.refresh_from_db()
        return Response(CaseImportSerializer(batch).data)

    @extend_schema(request=None, responses={200: CaseImportSerializer})
    @action(detail=True, methods=["post"])
    def rollback(self, request, pk=None):
        batch = self.get_object()
        importer.rollback(batch, user=request.user)
        batch.refresh_from_db()
        return Response(CaseImportSerializer(batch).data)
