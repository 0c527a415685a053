"""REST endpoints of 党费: bills (list with org-subtree / month / status filters, detail), bill generation,
payments and hardship waivers: the same actions, queries and scope as the pages."""

from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.mixins import ListModelMixin, RetrieveModelMixin
from rest_framework.response import Response

from dangjian.api.base import ScopedGenericViewSet
from dangjian.core.scope import restrict
from dangjian.dues import actions, queries
from dangjian.dues.filters import BillFilter
from dangjian.dues.forms import parse_month
from dangjian.dues.models import (
    AidKind,
    Bill,
    BillStatus,
    HardshipAid,
    HardshipApplication,
    HardshipKind,
    LedgerEntry,
    LedgerKind,
    Payment,
    PaymentMethod,
    UsageCategory,
)
from dangjian.members.models import Member
from dangjian.orgs.models import Org

VIEW, CHANGE = actions.VIEW, actions.CHANGE


class DuesBillSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    paid_on = serializers.DateField(source="payment.paid_on", read_only=True, allow_null=True)

    class Meta:
        model = Bill
        fields = [
            "id", "member", "member_name", "org", "org_name", "month", "category", "base", "amount", "status",
            "payment", "paid_on", "waiver_reference",
        ]  # fmt: skip
        read_only_fields = fields


class DuesPaymentSerializer(serializers.ModelSerializer):
    bills = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id", "member", "org", "paid_on", "months", "dues_amount", "extra_amount", "amount", "method", "reference",
            "proxy_name", "remit_upward", "bills",
        ]  # fmt: skip
        read_only_fields = fields


class DuesPaySerializer(serializers.Serializer):
    bills = serializers.ListField(child=serializers.IntegerField(), min_length=1, help_text="要登记交纳的账单编号")
    paid_on = serializers.DateField(required=False, help_text="交纳日期，默认今天")
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    proxy = serializers.CharField(max_length=64, required=False, allow_blank=True, default="", help_text="代交人")
    extra = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, default=Decimal("0"),
        help_text="自愿多交金额（仅限一名党员）；满1000元的全额上缴（DUES-14）",
    )  # fmt: skip


class DuesGenerateSerializer(serializers.Serializer):
    org = serializers.IntegerField(help_text="党组织编号：为其所辖全部党员生成")
    month = serializers.CharField(help_text="月份，如 2026-05")


class DuesGenerateResultSerializer(serializers.Serializer):
    month = serializers.DateField()
    created = serializers.IntegerField(help_text="新生成的账单数")
    existing = serializers.IntegerField(help_text="已有账单、未重复生成的党员数")
    missing_profile = serializers.ListField(child=serializers.IntegerField(), help_text="未登记计算基数的党员编号")


class DuesWaiveSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=64, help_text="上级党委批准文号（DUES-10）")
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class DuesBillViewSet(ListModelMixin, RetrieveModelMixin, ScopedGenericViewSet):
    """党费账单：列表（按党组织及所辖、月份、状态筛选）、详情、生成账单、登记交纳、登记减免。"""

    queryset = Bill.objects.select_related("member", "org", "payment").order_by("-month", "org__path", "member_id")
    serializer_class = DuesBillSerializer
    filterset_class = BillFilter
    action_verbs = {"list": VIEW, "retrieve": VIEW, "generate": CHANGE, "pay": CHANGE, "waive": CHANGE}

    def get_serializer_class(self):
        return {
            "generate": DuesGenerateSerializer,
            "pay": DuesPaySerializer,
            "waive": DuesWaiveSerializer,
        }.get(self.action, DuesBillSerializer)

    def _input(self, serializer_class):
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data

    @extend_schema(request=DuesGenerateSerializer, responses={200: DuesGenerateResultSerializer})
    @action(detail=False, methods=["post"], pagination_class=None)
    def generate(self, request):
        self.get_queryset()
        v = self._input(DuesGenerateSerializer)
        month = parse_month(v["month"])
        if month is None:
            raise serializers.ValidationError({"month": "请按“年-月”填写月份，例如 2026-05。"})
        org = restrict(Org.objects.all(), request.user, CHANGE).filter(pk=v["org"]).first()
        if org is None:
            raise serializers.ValidationError({"org": "党组织不存在或不在您的管辖范围内。"})
        result = actions.generate_bills(org, month, actor=request.user)
        body = {
            "month": result.month,
            "created": result.created,
            "existing": result.existing,
            "missing_profile": [m.pk for m in result.missing_profile],
        }
        return Response(DuesGenerateResultSerializer(body).data)

    @extend_schema(request=DuesPaySerializer, responses={201: DuesPaymentSerializer(many=True)})
    @action(detail=False, methods=["post"], pagination_class=None)
    def pay(self, request):
        queryset = self.get_queryset()
        v = self._input(DuesPaySerializer)
        ids = set(v["bills"])
        bills = list(queryset.filter(pk__in=ids))
        if len(bills) != len(ids):
            raise serializers.ValidationError({"bills": "账单不存在或不在您的管辖范围内。"})
        payments = actions.record_payment(
            bills, actor=request.user, paid_on=v.get("paid_on") or timezone.localdate(), method=v["method"],
            reference=v["reference"], proxy=v["proxy"], extra=v["extra"],
        )  # fmt: skip
        return Response(DuesPaymentSerializer(payments, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DuesWaiveSerializer, responses={200: DuesBillSerializer})
    @action(detail=True, methods=["post"])
    def waive(self, request, pk=None):
        bill = self.get_object()
        v = self._input(DuesWaiveSerializer)
        actions.waive_bills([bill], actor=request.user, reference=v["reference"], note=v["note"])
        bill.refresh_from_db()
        bill.status = BillStatus.WAIVED
        return Response(DuesBillSerializer(bill).data)


class DuesPaymentViewSet(ListModelMixin, RetrieveModelMixin, ScopedGenericViewSet):
    """党费交纳记录：列表（`member`、`org` 所辖、`year` 筛选）与详情；登记交纳见 `dues-bills/pay/`。"""

    queryset = Payment.objects.prefetch_related("bills").order_by("-paid_on", "-pk")
    serializer_class = DuesPaymentSerializer
    action_verbs = {"list": VIEW, "retrieve": VIEW}

    @extend_schema(parameters=[OpenApiParameter("member", int), OpenApiParameter("org", int),
                               OpenApiParameter("year", int)])  # fmt: skip
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list":
            return qs
        p = self.request.query_params
        for name in ("member", "org", "year"):
            raw = p.get(name, "")
            if raw and not (raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**63):
                raise serializers.ValidationError({name: "应为正整数。"})
        if p.get("member"):
            qs = qs.filter(member_id=int(p["member"]))
        if p.get("org"):
            path = Org.objects.filter(pk=int(p["org"])).values_list("path", flat=True).first()
            qs = qs.filter(org__path__in_subtree=path) if path else qs.none()
        if p.get("year"):
            year = int(p["year"])
            if not 1900 <= year <= 2999:
                raise serializers.ValidationError({"year": "应为 1900 至 2999 之间的年份。"})
            qs = qs.filter(paid_on__year=year)
        return qs


# --- DUES-10 hardship, DUES-18/19 ledger, collection over a period ----------------------------------------


class HardshipSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = HardshipApplication
        fields = [
            "id", "member", "member_name", "org", "kind", "monthly_amount", "first_month", "last_month", "reason",
            "applied_on", "status", "branch_decision", "branch_decided_on", "approval_reference", "approved_on",
            "rejection_reason", "version",
        ]  # fmt: skip
        read_only_fields = fields


class HardshipApplySerializer(serializers.Serializer):
    member = serializers.IntegerField(help_text="党员编号")
    kind = serializers.ChoiceField(choices=HardshipKind.choices)
    monthly_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, default=Decimal("0"))
    first_month = serializers.CharField(help_text="起始月份，如 2026-05")
    last_month = serializers.CharField(help_text="截止月份，如 2026-12")
    reason = serializers.CharField(max_length=255)


class HardshipBranchSerializer(serializers.Serializer):
    agree = serializers.BooleanField()
    decision = serializers.CharField(max_length=128, help_text="支部研究的会议或记录")
    version = serializers.IntegerField()


class HardshipApproveSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    version = serializers.IntegerField()


class DuesHardshipViewSet(ListModelMixin, RetrieveModelMixin, ScopedGenericViewSet):
    """困难党员减免党费申请（DUES-10）：申请 → 支部研究（branch）→ 上级党委批准（approve）。"""

    queryset = HardshipApplication.objects.select_related("member", "org").order_by("-applied_on", "-pk")
    serializer_class = HardshipSerializer
    action_verbs = {"list": VIEW, "retrieve": VIEW, "create": CHANGE, "branch": CHANGE, "approve": CHANGE}

    def get_serializer_class(self):
        return {"create": HardshipApplySerializer, "branch": HardshipBranchSerializer,
                "approve": HardshipApproveSerializer}.get(self.action, HardshipSerializer)  # fmt: skip

    def _input(self, serializer_class):
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data

    @extend_schema(request=HardshipApplySerializer, responses={201: HardshipSerializer})
    def create(self, request):
        self.get_queryset()
        v = self._input(HardshipApplySerializer)
        member = restrict(Member.objects.select_related("org"), request.user, CHANGE).filter(pk=v["member"]).first()
        first, last = parse_month(v["first_month"]), parse_month(v["last_month"])
        if member is None:
            raise serializers.ValidationError({"member": "党员不存在或不在您的管辖范围内。"})
        if first is None or last is None:
            raise serializers.ValidationError({"first_month": "请按“年-月”填写月份，例如 2026-05。"})
        app = actions.apply_hardship(member, actor=request.user, kind=v["kind"], first_month=first, last_month=last,
                                     reason=v["reason"], monthly_amount=v["monthly_amount"])  # fmt: skip
        return Response(HardshipSerializer(app).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=HardshipBranchSerializer, responses={200: HardshipSerializer})
    @action(detail=True, methods=["post"])
    def branch(self, request, pk=None):
        app = self.get_object()
        v = self._input(HardshipBranchSerializer)
        app = actions.decide_hardship(app, actor=request.user, agree=v["agree"], decision=v["decision"],
                                      expected_version=v["version"])  # fmt: skip
        return Response(HardshipSerializer(app).data)

    @extend_schema(request=HardshipApproveSerializer, responses={200: HardshipSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        app = self.get_object()
        v = self._input(HardshipApproveSerializer)
        app = actions.approve_hardship(app, actor=request.user, approve=v["approve"], reference=v["reference"],
                                       reason=v["reason"], expected_version=v["version"])  # fmt: skip
        return Response(HardshipSerializer(app).data)


class LedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = ["id", "org", "kind", "counterpart", "category", "amount", "entry_date", "decision_reference",
                  "period", "note"]  # fmt: skip
        read_only_fields = fields


class LedgerCreateSerializer(serializers.Serializer):
    org = serializers.IntegerField(help_text="记账党组织编号")
    kind = serializers.ChoiceField(choices=LedgerKind.choices)
    counterpart = serializers.IntegerField(
        required=False, allow_null=True, help_text="上缴：直接上级（可不填）；下拨：直接下级"
    )
    category = serializers.ChoiceField(choices=UsageCategory.choices, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    entry_date = serializers.DateField()
    decision_reference = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    period = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class DuesLedgerViewSet(ListModelMixin, RetrieveModelMixin, ScopedGenericViewSet):
    """党费收支台账（DUES-18/19）：上缴、下拨、使用（须集体研究决定）。`org` 筛选：该组织记账或作为对方的记录。"""

    queryset = LedgerEntry.objects.select_related("org", "counterpart").order_by("-entry_date", "-pk")
    serializer_class = LedgerEntrySerializer
    action_verbs = {"list": VIEW, "retrieve": VIEW, "create": CHANGE}

    def get_queryset(self):
        qs = super().get_queryset()
        org = self.request.query_params.get("org", "")
        if self.action == "list" and org.isdigit():
            qs = qs.filter(Q(org_id=org) | Q(counterpart_id=org))
        return qs

    def get_serializer_class(self):
        return LedgerCreateSerializer if self.action == "create" else LedgerEntrySerializer

    @extend_schema(request=LedgerCreateSerializer, responses={201: LedgerEntrySerializer})
    def create(self, request):
        self.get_queryset()
        shape = LedgerCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        v = shape.validated_data
        org = restrict(Org.objects.all(), request.user, CHANGE).filter(pk=v["org"]).first()
        if org is None:
            raise serializers.ValidationError({"org": "党组织不存在或不在您的管辖范围内。"})
        counterpart = Org.objects.filter(pk=v["counterpart"]).first() if v.get("counterpart") else None
        entry = actions.record_ledger_entry(
            org, actor=request.user, kind=v["kind"], amount=v["amount"], entry_date=v["entry_date"],
            counterpart=counterpart, category=v["category"], decision_reference=v["decision_reference"],
            period=v["period"], note=v["note"],
        )  # fmt: skip
        return Response(LedgerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class AidSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)

    class Meta:
        model = HardshipAid
        fields = ["id", "member", "member_name", "org", "visited_on", "visitors", "kind", "given", "amount",
                  "ledger_entry", "note", "version"]  # fmt: skip
        read_only_fields = fields


class AidCreateSerializer(serializers.Serializer):
    member = serializers.IntegerField(help_text="党员编号")
    visited_on = serializers.DateField(help_text="走访/帮扶日期")
    visitors = serializers.CharField(max_length=128, help_text="走访人")
    kind = serializers.ChoiceField(choices=AidKind.choices)
    given = serializers.CharField(max_length=255, required=False, allow_blank=True, default="", help_text="帮扶内容")
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, default=Decimal("0"), help_text="金额（元）"
    )
    ledger_entry = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="支付此项帮扶的党费使用台账编号"
    )
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class AidCorrectSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="读取时的版本号（并发修改时拒绝）")
    visited_on = serializers.DateField(required=False)
    visitors = serializers.CharField(max_length=128, required=False)
    kind = serializers.ChoiceField(choices=AidKind.choices, required=False)
    given = serializers.CharField(max_length=255, required=False, allow_blank=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True)


class DuesAidViewSet(ListModelMixin, RetrieveModelMixin, ScopedGenericViewSet):
    """困难党员帮扶：走访和帮扶记录（走访人、日期、帮扶内容、金额）。`member`、`org`（及所辖）筛选；
    登记（create）与更正（correct，带版本号）。"""

    queryset = HardshipAid.objects.select_related("member", "org").order_by("-visited_on", "-pk")
    serializer_class = AidSerializer
    action_verbs = {"list": VIEW, "retrieve": VIEW, "create": CHANGE, "correct": CHANGE}

    @extend_schema(parameters=[OpenApiParameter("member", int), OpenApiParameter("org", int)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            member = self.request.query_params.get("member", "")
            org = self.request.query_params.get("org", "")
            if member.isdigit():
                qs = qs.filter(member_id=member)
            if org.isdigit():
                found = Org.objects.filter(pk=org).first()
                qs = qs.filter(org__path__in_subtree=found.path) if found else qs.none()
        return qs

    def get_serializer_class(self):
        return {"create": AidCreateSerializer, "correct": AidCorrectSerializer}.get(self.action, AidSerializer)

    @extend_schema(request=AidCreateSerializer, responses={201: AidSerializer})
    def create(self, request):
        self.get_queryset()
        shape = AidCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        v = shape.validated_data
        member = restrict(Member.objects.select_related("org"), request.user, CHANGE).filter(pk=v["member"]).first()
        if member is None:
            raise serializers.ValidationError({"member": "党员不存在或不在您的管辖范围内。"})
        ledger = None
        if v["ledger_entry"] is not None:
            ledger = restrict(LedgerEntry.objects.all(), request.user, VIEW).filter(pk=v["ledger_entry"]).first()
            if ledger is None:
                raise serializers.ValidationError({"ledger_entry": "台账记录不存在或不在您的管辖范围内。"})
        aid = actions.record_aid(
            member, actor=request.user, ledger_entry=ledger, visited_on=v["visited_on"], visitors=v["visitors"],
            kind=v["kind"], given=v["given"], amount=v["amount"], note=v["note"],
        )  # fmt: skip
        return Response(AidSerializer(aid).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AidCorrectSerializer, responses={200: AidSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        aid = self.get_object()
        shape = AidCorrectSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        v = dict(shape.validated_data)
        version = v.pop("version")
        aid = actions.correct_aid(aid, actor=request.user, expected_version=version, **v)
        return Response(AidSerializer(aid).data)


class CollectionRowSerializer(serializers.Serializer):
    org = serializers.IntegerField(allow_null=True)
    org_name = serializers.CharField(allow_blank=True)
    billed = serializers.IntegerField()
    paid = serializers.IntegerField()
    waived = serializers.IntegerField()
    expected = serializers.IntegerField(help_text="应交人次（不含减免）")
    due_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True, help_text="交纳率（%）")


class CollectionSerializer(serializers.Serializer):
    period = serializers.CharField()
    total = CollectionRowSerializer()
    children = CollectionRowSerializer(many=True)


def _collection_row(c, org=None) -> dict:
    return {"org": org.pk if org else None, "org_name": org.name if org else "", "billed": c.billed, "paid": c.paid,
            "waived": c.waived, "expected": c.expected, "due_amount": c.due_amount, "paid_amount": c.paid_amount,
            "rate": c.rate}  # fmt: skip


class DuesCollectionViewSet(ScopedGenericViewSet):
    """交纳率：`org` 党组织及所辖、`period` 期间（2026、2026-Q2 或 2026-05）的应交与已交，以及各下级党组织。"""

    queryset = Bill.objects.all()
    action_verbs = {"list": VIEW}
    pagination_class = None

    @extend_schema(
        parameters=[OpenApiParameter("org", int, required=True), OpenApiParameter("period", str, required=True)],
        responses={200: CollectionSerializer},
    )
    def list(self, request):
        self.get_queryset()
        raw = request.query_params.get("org", "")
        org = restrict(Org.objects.all(), request.user, VIEW).filter(pk=raw if raw.isdigit() else 0).first()
        if org is None:
            raise serializers.ValidationError({"org": "党组织不存在或不在您的管辖范围内。"})
        period = request.query_params.get("period", "").strip().upper()
        try:
            total = queries.collection_period(org, period, request.user)
        except ValueError as exc:
            raise serializers.ValidationError({"period": str(exc)}) from exc
        children = queries.collection_period_by_child(org, period, request.user)
        body = {"period": period, "total": _collection_row(total, org),
                "children": [_collection_row(c, c.key) for c in children]}  # fmt: skip
        return Response(CollectionSerializer(body).data)
