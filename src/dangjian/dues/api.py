"""REST endpoints of 党费: bills (list with org-subtree / month / status filters, detail), bill generation,
payments and hardship waivers: the same actions, queries and scope as the pages."""

from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.mixins import ListModelMixin, RetrieveModelMixin
from rest_framework.response import Response

from dangjian.api.base import ScopedGenericViewSet
from dangjian.core.scope import restrict
from dangjian.dues import actions
from dangjian.dues.filters import BillFilter
from dangjian.dues.forms import parse_month
from dangjian.dues.models import Bill, BillStatus, Payment, PaymentMethod
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
