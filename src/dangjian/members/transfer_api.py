"""REST endpoints of 组织关系转接 and 流动党员: the same actions, queries and scope as the pages."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.mixins import ListModelMixin, RetrieveModelMixin
from rest_framework.response import Response

from dangjian.api.base import ScopedGenericViewSet
from dangjian.core.scope import restrict
from dangjian.members import rules
from dangjian.members import transfer_actions as actions
from dangjian.members import transfer_queries as queries
from dangjian.members.models import Member, MobileDirection, MobileRecord, Transfer
from dangjian.members.transfer_filters import MobileRecordFilter, TransferFilter
from dangjian.orgs.models import Org

VIEW = queries.VIEW
PERM = queries.PERM


class TransferSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    from_org_label = serializers.SerializerMethodField(help_text="转出党组织（系统内为名称，系统外为填写的名称）")
    to_org_label = serializers.SerializerMethodField(help_text="接收党组织（系统内为名称，系统外为填写的名称）")
    overdue = serializers.SerializerMethodField(help_text="待接收且已超过有效期")
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Transfer
        fields = [
            "id", "serial", "member", "member_name", "from_org", "from_org_name", "from_org_label", "to_org",
            "to_org_name", "to_org_code", "to_org_label", "reason", "issued_on", "valid_until", "dues_paid_until",
            "status", "decided_on", "decision_note", "overdue", "version",
        ]  # fmt: skip
        read_only_fields = fields

    def get_from_org_label(self, obj) -> str:
        return obj.from_org.name if obj.from_org else obj.from_org_name

    def get_to_org_label(self, obj) -> str:
        return obj.to_org.name if obj.to_org else obj.to_org_name

    def get_overdue(self, obj) -> bool:
        return queries.is_overdue(obj, timezone.localdate())


class TransferStartSerializer(serializers.Serializer):
    member = serializers.IntegerField(help_text="党员编号")
    to_org = serializers.IntegerField(required=False, allow_null=True, help_text="接收党组织编号（在您的管辖范围内）")
    to_org_code = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="接收党组织代码：系统内任一党组织按代码转入，否则为系统外",
    )
    to_org_name = serializers.CharField(
        max_length=128, required=False, allow_blank=True, help_text="系统外接收党组织名称"
    )
    reason = serializers.CharField(max_length=128)
    issued_on = serializers.DateField(required=False, allow_null=True)
    validity_months = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=6)
    dues_paid_until = serializers.DateField(required=False, allow_null=True, help_text="党费交至（该月任一日）")


class TransferAcceptSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, help_text="接收日期，默认今天")
    version = serializers.IntegerField(help_text="读取时的版本号；他人已办理时返回 409")


class TransferReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, help_text="退回理由")
    version = serializers.IntegerField()


class TransferCancelSerializer(serializers.Serializer):
    version = serializers.IntegerField()


class TransferReceiptSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="回执日期")
    version = serializers.IntegerField()


class TransferViewSet(ListModelMixin, RetrieveModelMixin, ScopedGenericViewSet):
    """组织关系转接：列表（转出/转入/逾期）、详情、开具介绍信、接收、退回、撤回、登记回执（系统外）。"""

    queryset = Transfer.objects.select_related("member", "from_org", "to_org").order_by("-issued_on", "-pk")
    serializer_class = TransferSerializer
    filterset_class = TransferFilter
    action_verbs = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": PERM,
        "accept": PERM,
        "return_letter": PERM,
        "cancel": PERM,
        "receipt": PERM,
    }

    def get_serializer_class(self):
        return {
            "create": TransferStartSerializer,
            "accept": TransferAcceptSerializer,
            "return_letter": TransferReturnSerializer,
            "cancel": TransferCancelSerializer,
            "receipt": TransferReceiptSerializer,
        }.get(self.action, TransferSerializer)

    def _input(self, serializer_class):
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return data.validated_data

    @extend_schema(request=TransferStartSerializer, responses={201: TransferSerializer})
    def create(self, request, *args, **kwargs):
        self.get_queryset()
        v = self._input(TransferStartSerializer)
        member = restrict(Member.objects.all(), request.user, PERM).filter(pk=v["member"]).first()
        if member is None:
            raise serializers.ValidationError({"member": "党员不存在或不在您的管辖范围内。"})
        to_org = None
        if v.get("to_org"):
            to_org = restrict(Org.objects.all(), request.user, "view").filter(pk=v["to_org"]).first()
            if to_org is None:
                raise serializers.ValidationError({"to_org": "党组织不存在或不在您的管辖范围内。"})
        elif v.get("to_org_code"):
            to_org = queries.org_by_code(v["to_org_code"])
        transfer = actions.start_transfer(
            member,
            actor=request.user,
            to_org=to_org,
            to_org_name=v.get("to_org_name") or "",
            to_org_code=v.get("to_org_code") or "",
            reason=v["reason"],
            issued_on=v.get("issued_on"),
            validity_months=v.get("validity_months"),
            dues_paid_until=v.get("dues_paid_until"),
        )
        return Response(TransferSerializer(_reload(transfer)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TransferAcceptSerializer, responses={200: TransferSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        transfer = self.get_object()
        v = self._input(TransferAcceptSerializer)
        transfer = actions.accept_transfer(transfer, actor=request.user, on=v.get("on"), expected_version=v["version"])
        return Response(TransferSerializer(_reload(transfer)).data)

    @extend_schema(request=TransferReturnSerializer, responses={200: TransferSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_letter(self, request, pk=None):
        transfer = self.get_object()
        v = self._input(TransferReturnSerializer)
        transfer = actions.return_transfer(
            transfer, actor=request.user, reason=v["reason"], expected_version=v["version"]
        )
        return Response(TransferSerializer(_reload(transfer)).data)

    @extend_schema(request=TransferCancelSerializer, responses={200: TransferSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        transfer = self.get_object()
        v = self._input(TransferCancelSerializer)
        transfer = actions.cancel_transfer(transfer, actor=request.user, expected_version=v["version"])
        return Response(TransferSerializer(_reload(transfer)).data)

    @extend_schema(request=TransferReceiptSerializer, responses={200: TransferSerializer})
    @action(detail=True, methods=["post"])
    def receipt(self, request, pk=None):
        transfer = self.get_object()
        v = self._input(TransferReceiptSerializer)
        transfer = actions.confirm_external_receipt(
            transfer, actor=request.user, on=v["on"], expected_version=v["version"]
        )
        return Response(TransferSerializer(_reload(transfer)).data)


def _reload(transfer: Transfer) -> Transfer:
    return Transfer.objects.select_related("member", "from_org", "to_org").get(pk=transfer.pk)


# ------------------------------------------------------------------------------------------ mobile members


class MobileRecordSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    org = serializers.IntegerField(source="member.org_id", read_only=True, help_text="党员所在党组织编号")
    destination = serializers.CharField(read_only=True, help_text="省市县")
    should_transfer = serializers.SerializerMethodField(help_text="流出未结束且外出满6个月，应转移组织关系（REL-02）")

    class Meta:
        model = MobileRecord
        fields = [
            "id", "member", "member_name", "org", "direction", "host_org", "province", "city", "county", "destination",
            "place", "reason", "contact_person", "certificate_number", "since", "until", "should_transfer",
        ]  # fmt: skip
        read_only_fields = fields

    def get_should_transfer(self, obj) -> bool:
        return (
            obj.direction == MobileDirection.OUTFLOW
            and obj.until is None
            and rules.should_transfer(obj.since, timezone.localdate())
        )


class MobileRecordCreateSerializer(serializers.Serializer):
    member = serializers.IntegerField(required=False, help_text="党员编号（流出必填；流入时本方管辖的党员也可用编号）")
    direction = serializers.ChoiceField(choices=MobileDirection.choices, default=MobileDirection.OUTFLOW)
    host_org = serializers.IntegerField(required=False, help_text="流入党组织编号（流入必填）")
    id_number = serializers.CharField(
        max_length=24, required=False, write_only=True, help_text="流入：按活动证核对的公民身份号码（与姓名一并）"
    )
    name = serializers.CharField(max_length=64, required=False, help_text="流入：党员姓名（与公民身份号码一并）")
    province = serializers.CharField(max_length=32, required=False, allow_blank=True)
    city = serializers.CharField(max_length=32, required=False, allow_blank=True)
    county = serializers.CharField(max_length=32, required=False, allow_blank=True)
    place = serializers.CharField(max_length=128, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=64, required=False, allow_blank=True)
    contact_person = serializers.CharField(max_length=32, required=False, allow_blank=True)
    certificate_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    since = serializers.DateField()


class MobileRecordEndSerializer(serializers.Serializer):
    until = serializers.DateField(help_text="结束（返回）日期")


class MobileRecordViewSet(ListModelMixin, RetrieveModelMixin, ScopedGenericViewSet):
    """流动党员登记：列表（流出/流入，未结束/已结束/应转接）、详情、登记流出或流入、结束。"""

    queryset = MobileRecord.objects.select_related("member").order_by("-since", "-pk")
    serializer_class = MobileRecordSerializer
    filterset_class = MobileRecordFilter
    action_verbs = {"list": VIEW, "retrieve": VIEW, "create": PERM, "end": PERM}

    def get_serializer_class(self):
        return {"create": MobileRecordCreateSerializer, "end": MobileRecordEndSerializer}.get(
            self.action, MobileRecordSerializer
        )

    @extend_schema(request=MobileRecordCreateSerializer, responses={201: MobileRecordSerializer})
    def create(self, request, *args, **kwargs):
        self.get_queryset()
        data = MobileRecordCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        member_pk, host_pk = v.pop("member", None), v.pop("host_org", None)
        id_number, name = v.pop("id_number", ""), v.pop("name", "")
        member = None
        if member_pk is not None:
            member = restrict(Member.objects.all(), request.user, PERM).filter(pk=member_pk).first()
        if v.pop("direction") == MobileDirection.OUTFLOW:
            if member is None:
                raise serializers.ValidationError({"member": "党员不存在或不在您的管辖范围内。"})
            record = actions.record_outflow(member, actor=request.user, **v)
        else:
            if member is None and member_pk is None:
                member = queries.member_for_inflow(id_number, name)
            if member is None:
                raise serializers.ValidationError(
                    {"member": "系统内没有相符的党员：请给出您管辖范围内的党员编号，或核对姓名与公民身份号码。"}
                )
            host = Org.objects.active().filter(pk=host_pk).first() if host_pk is not None else None
            if host_pk is not None and host is None:
                raise serializers.ValidationError({"host_org": "流入党组织不存在或已撤销。"})
            record = actions.record_inflow(member, actor=request.user, host_org=host, **v)
        record = MobileRecord.objects.select_related("member").get(pk=record.pk)
        return Response(MobileRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MobileRecordEndSerializer, responses={200: MobileRecordSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        record = self.get_object()
        data = MobileRecordEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actions.end_mobile(record, actor=request.user, until=data.validated_data["until"])
        record = MobileRecord.objects.select_related("member").get(pk=record.pk)
        return Response(MobileRecordSerializer(record).data)
