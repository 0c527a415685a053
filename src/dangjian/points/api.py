"""REST endpoints of 党员积分: entries (list, detail, manual entry with evidence, review), scores and rankings,
rule sets (list, detail with items, adopt a template, new version), EDU-06 pioneer roles (示范岗/先锋岗, 责任区,
volunteer teams, pioneer projects: members assigned and their duty records): the same actions, queries and scope."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.mixins import ListModelMixin, RetrieveModelMixin
from rest_framework.response import Response

from dangjian.api.base import ScopedGenericViewSet
from dangjian.core.scope import restrict
from dangjian.members.models import Member
from dangjian.orgs.models import Org
from dangjian.points import actions, queries, rules
from dangjian.points.models import (
    PioneerKind,
    PioneerMember,
    PioneerPost,
    PioneerRecord,
    PointEntry,
    PointItem,
    PointRuleSet,
)

VIEW, ENTER, APPROVE = actions.VIEW, actions.ENTER, actions.APPROVE


YEARS = (1900, 2999)
MAX_ID = 2**63 - 1


def int_param(params, name: str, low: int = 1, high: int = MAX_ID) -> int | None:
    """An optional whole-number query parameter in [low, high]; anything else is a 400 naming it."""
    raw = params.get(name, "")
    if raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise serializers.ValidationError({name: f"应为 {low} 至 {high} 之间的整数。"})
    return int(raw)


class PointEntrySerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    item_code = serializers.CharField(source="item.code", read_only=True)
    item_label = serializers.CharField(source="item.label", read_only=True)

    class Meta:
        model = PointEntry
        fields = [
            "id", "member", "member_name", "org", "item", "item_code", "item_label", "points", "quantity",
            "occurred_on", "source_type", "source_id", "evidence", "status", "approved_by", "approved_at",
            "created_by", "version",
        ]  # fmt: skip
        read_only_fields = fields


class PointEnterSerializer(serializers.Serializer):
    member = serializers.IntegerField(help_text="党员编号")
    item = serializers.IntegerField(help_text="积分项目编号（来源为志愿服务或其他）")
    occurred_on = serializers.DateField()
    quantity = serializers.DecimalField(max_digits=8, decimal_places=2, required=False, default=1)
    evidence = serializers.CharField(help_text="证明材料")


class PointReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    version = serializers.IntegerField(required=False)


class ScoreSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member_id")
    name = serializers.CharField()
    org = serializers.IntegerField(source="org_id")
    org_name = serializers.CharField()
    score = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    stars = serializers.IntegerField()
    rank = serializers.IntegerField(allow_null=True)
    excluded = serializers.CharField(allow_blank=True)
    vetoed = serializers.BooleanField()


class PointEntryViewSet(ListModelMixin, RetrieveModelMixin, ScopedGenericViewSet):
    """积分记录：列表（`member`、`org` 所辖、`status`、`year` 筛选）、详情、登记（凭证明材料，待支部审核）、审核；
    `scores/`：积分、星级和排名（`org`、`year`、`scope=branch` 仅本组织党员）。"""

    queryset = PointEntry.objects.select_related("member", "item").order_by("-occurred_on", "-pk")
    serializer_class = PointEntrySerializer
    action_verbs = {"list": VIEW, "retrieve": VIEW, "create": ENTER, "review": APPROVE, "scores": VIEW}

    def get_serializer_class(self):
        return {"create": PointEnterSerializer, "review": PointReviewSerializer,
                "scores": ScoreSerializer}.get(self.action, PointEntrySerializer)  # fmt: skip

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            return qs
        p = self.request.query_params
        member, org, year = int_param(p, "member"), int_param(p, "org"), int_param(p, "year", *YEARS)
        if member is not None:
            qs = qs.filter(member_id=member)
        if org is not None:
            path = Org.objects.filter(pk=org).values_list("path", flat=True).first()
            qs = qs.filter(org__path__in_subtree=path) if path else qs.none()
        if p.get("status"):
            qs = qs.filter(status=p["status"])
        if year is not None:
            qs = qs.filter(occurred_on__year=year)
        return qs

    @extend_schema(
        parameters=[OpenApiParameter("member", int), OpenApiParameter("org", int), OpenApiParameter("status", str),
                    OpenApiParameter("year", int)]
    )  # fmt: skip
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=PointEnterSerializer, responses={201: PointEntrySerializer})
    def create(self, request):
        self.get_queryset()
        shape = PointEnterSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        v = shape.validated_data
        member = restrict(Member.objects.select_related("org"), request.user, ENTER).filter(pk=v["member"]).first()
        item = PointItem.objects.filter(pk=v["item"]).first()
        if member is None:
            raise serializers.ValidationError({"member": "党员不存在或不在您的管辖范围内。"})
        if item is None:
            raise serializers.ValidationError({"item": "积分项目不存在。"})
        entry = actions.enter_points(member, item, actor=request.user, occurred_on=v["occurred_on"],
                                     evidence=v["evidence"], quantity=v["quantity"])  # fmt: skip
        return Response(PointEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PointReviewSerializer, responses={200: PointEntrySerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        entry = self.get_object()
        shape = PointReviewSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        v = shape.validated_data
        entry = actions.review_entry(entry, actor=request.user, approve=v["approve"],
                                     expected_version=v.get("version"))  # fmt: skip
        return Response(PointEntrySerializer(entry).data)

    @extend_schema(
        parameters=[OpenApiParameter("org", int, required=True), OpenApiParameter("year", int),
                    OpenApiParameter("scope", str, enum=["subtree", "branch"])],
        responses={200: ScoreSerializer(many=True)},
    )  # fmt: skip
    @action(detail=False, methods=["get"], pagination_class=None)
    def scores(self, request):
        self.get_queryset()
        p = request.query_params
        org_pk = int_param(p, "org")
        org = restrict(Org.objects.all(), request.user, VIEW).filter(pk=org_pk or 0).first()
        if org is None:
            raise serializers.ValidationError({"org": "党组织不存在或不在您的管辖范围内。"})
        today = timezone.localdate()
        year = int_param(p, "year", *YEARS) or today.year
        members = queries.members_in(org, request.user, branch_only=p.get("scope") == "branch")
        return Response(ScoreSerializer(queries.scores(members, year, today), many=True).data)


class PointItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = PointItem
        fields = ["id", "code", "label", "source", "meeting_kind", "points", "cap", "is_veto", "order"]
        read_only_fields = fields


class PointRuleSetSerializer(serializers.ModelSerializer):
    items = PointItemSerializer(many=True, read_only=True)

    class Meta:
        model = PointRuleSet
        fields = ["id", "org", "name", "template", "effective_from", "base_score", "floor", "ceiling",
                  "yearly_reset", "star_bands", "previous", "version", "items"]  # fmt: skip
        read_only_fields = fields


class RuleSetCreateSerializer(serializers.Serializer):
    org = serializers.IntegerField(help_text="制定规则的党组织编号")
    template = serializers.ChoiceField(choices=sorted(rules.TEMPLATES))
    effective_from = serializers.DateField()
    name = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")


class RuleSetVersionSerializer(serializers.Serializer):
    effective_from = serializers.DateField(help_text="新版本生效日期（晚于现行版本）")


class PointRuleSetViewSet(ListModelMixin, RetrieveModelMixin, ScopedGenericViewSet):
    """积分规则（按管辖范围，带生效日期的版本）：列表、详情（含积分项目）、采用模板建立、建立新版本。"""

    queryset = PointRuleSet.objects.prefetch_related("items").order_by("org__path", "-effective_from")
    serializer_class = PointRuleSetSerializer
    action_verbs = {"list": "view", "retrieve": "view", "create": "change", "version": "change"}

    def get_serializer_class(self):
        return {"create": RuleSetCreateSerializer, "version": RuleSetVersionSerializer}.get(
            self.action, PointRuleSetSerializer
        )

    @extend_schema(request=RuleSetCreateSerializer, responses={201: PointRuleSetSerializer})
    def create(self, request):
        self.get_queryset()
        shape = RuleSetCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        v = shape.validated_data
        org = restrict(Org.objects.all(), request.user, actions.RULES_CHANGE).filter(pk=v["org"]).first()
        if org is None:
            raise serializers.ValidationError({"org": "党组织不存在或不在您的管辖范围内。"})
        rule_set = actions.create_rule_set(org, actor=request.user, template=v["template"],
                                           effective_from=v["effective_from"], name=v["name"])  # fmt: skip
        return Response(PointRuleSetSerializer(rule_set).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RuleSetVersionSerializer, responses={201: PointRuleSetSerializer})
    @action(detail=True, methods=["post"])
    def version(self, request, pk=None):
        rule_set = self.get_object()
        shape = RuleSetVersionSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        new = actions.new_version(rule_set, actor=request.user, effective_from=shape.validated_data["effective_from"])
        return Response(PointRuleSetSerializer(new).data, status=status.HTTP_201_CREATED)


# --- EDU-06 pioneer roles -------------------------------------------------------------------------------------


class PioneerMemberSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = PioneerMember
        fields = ["id", "member", "member_name", "role", "since"]
        read_only_fields = fields


class PioneerRecordSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    point_status = serializers.CharField(source="point_entry.status", read_only=True, allow_null=True, default=None)

    class Meta:
        model = PioneerRecord
        fields = ["id", "post", "member", "member_name", "occurred_on", "content", "point_entry", "point_status"]
        read_only_fields = fields


class PioneerPostSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    members = PioneerMemberSerializer(many=True, read_only=True)

    class Meta:
        model = PioneerPost
        fields = ["id", "org", "org_name", "kind", "kind_label", "name", "duty", "started_on", "ended_on",
                  "version", "members"]  # fmt: skip
        read_only_fields = fields


class PioneerPostDetailSerializer(PioneerPostSerializer):
    records = serializers.SerializerMethodField(help_text="最近100条履职记录")

    class Meta(PioneerPostSerializer.Meta):
        fields = [*PioneerPostSerializer.Meta.fields, "records"]
        read_only_fields = fields

    @extend_schema_field(PioneerRecordSerializer(many=True))
    def get_records(self, post):
        rows = post.records.select_related("member", "point_entry").order_by("-occurred_on", "-pk")[:100]
        return PioneerRecordSerializer(rows, many=True).data


class PioneerCreateSerializer(serializers.Serializer):
    org = serializers.IntegerField(help_text="设立党组织编号")
    kind = serializers.ChoiceField(choices=PioneerKind.choices)
    name = serializers.CharField(max_length=128)
    started_on = serializers.DateField()
    duty = serializers.CharField(required=False, allow_blank=True, default="", help_text="职责/承诺")


class PioneerAssignSerializer(serializers.Serializer):
    member = serializers.IntegerField(help_text="党员编号（本组织及所辖）")
    role = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    since = serializers.DateField(required=False, allow_null=True, default=None)


class PioneerDutySerializer(serializers.Serializer):
    member = serializers.IntegerField(help_text="岗位上的党员编号")
    occurred_on = serializers.DateField()
    content = serializers.CharField(help_text="履职情况")
    for_points = serializers.BooleanField(required=False, default=False, help_text="同时申报先锋岗履职积分")


class PioneerPostViewSet(ListModelMixin, RetrieveModelMixin, ScopedGenericViewSet):
    """党员先锋岗（EDU-06）：示范岗/先锋岗、责任区、志愿服务队、先锋项目。列表（`org` 所辖、`kind` 筛选）、
    详情（岗位党员和履职记录）、设岗（create）、安排党员（assign）、登记履职（record，可同时申报积分）。"""

    queryset = (
        PioneerPost.objects.select_related("org")
        .prefetch_related("members__member")
        .order_by("org__path", "kind", "name")
    )
    serializer_class = PioneerPostSerializer
    action_verbs = {"list": VIEW, "retrieve": VIEW, "create": ENTER, "assign": ENTER, "record": ENTER}

    def get_serializer_class(self):
        return {"create": PioneerCreateSerializer, "assign": PioneerAssignSerializer, "record": PioneerDutySerializer,
                "retrieve": PioneerPostDetailSerializer}.get(self.action, PioneerPostSerializer)  # fmt: skip

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            return qs
        p = self.request.query_params
        org = int_param(p, "org")
        if org is not None:
            path = Org.objects.filter(pk=org).values_list("path", flat=True).first()
            qs = qs.filter(org__path__in_subtree=path) if path else qs.none()
        if p.get("kind"):
            qs = qs.filter(kind=p["kind"])
        return qs

    @extend_schema(parameters=[OpenApiParameter("org", int), OpenApiParameter("kind", str, enum=PioneerKind.values)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _input(self, serializer_class):
        shape = serializer_class(data=self.request.data)
        shape.is_valid(raise_exception=True)
        return shape.validated_data

    def _member(self, pk):
        member = restrict(Member.objects.select_related("org"), self.request.user, ENTER).filter(pk=pk).first()
        if member is None:
            raise serializers.ValidationError({"member": "党员不存在或不在您的管辖范围内。"})
        return member

    @extend_schema(request=PioneerCreateSerializer, responses={201: PioneerPostDetailSerializer})
    def create(self, request):
        self.get_queryset()
        v = self._input(PioneerCreateSerializer)
        org = restrict(Org.objects.all(), request.user, ENTER).filter(pk=v["org"]).first()
        if org is None:
            raise serializers.ValidationError({"org": "党组织不存在或不在您的管辖范围内。"})
        post = actions.create_post(org, actor=request.user, kind=v["kind"], name=v["name"],
                                   started_on=v["started_on"], duty=v["duty"])  # fmt: skip
        return Response(PioneerPostDetailSerializer(post).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PioneerAssignSerializer, responses={200: PioneerMemberSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        post = self.get_object()
        v = self._input(PioneerAssignSerializer)
        row = actions.assign_pioneer(post, self._member(v["member"]), actor=request.user, role=v["role"],
                                     since=v["since"])  # fmt: skip
        return Response(PioneerMemberSerializer(row).data)

    @extend_schema(request=PioneerDutySerializer, responses={201: PioneerRecordSerializer})
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        post = self.get_object()
        v = self._input(PioneerDutySerializer)
        row = actions.record_duty(post, self._member(v["member"]), actor=request.user, occurred_on=v["occurred_on"],
                                  content=v["content"], for_points=v["for_points"])  # fmt: skip
        return Response(PioneerRecordSerializer(row).data, status=status.HTTP_201_CREATED)
