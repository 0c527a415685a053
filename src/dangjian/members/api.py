"""REST endpoints for the roster: the same filters, actions and scope as the pages; personal data masked."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.mixins import ListModelMixin, RetrieveModelMixin
from rest_framework.response import Response

from dangjian.api.base import ScopedGenericViewSet
from dangjian.core.scope import restrict
from dangjian.members import actions, rules
from dangjian.members.choices import (
    ETHNICITY_CHOICES,
    Education,
    ExitKind,
    LostReason,
    MemberStatus,
    Occupation,
    Sex,
    Stage,
)
from dangjian.members.filters import MemberFilter
from dangjian.members.models import SECRET_FIELDS, Member
from dangjian.orgs.models import Org


class MemberSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    id_number_masked = serializers.SerializerMethodField()
    phone_masked = serializers.SerializerMethodField()
    version = serializers.IntegerField(read_only=True)
    # Blank is allowed by the model; a read-only model field loses allow_blank, and the schema then refused ""
    # (found by the schemathesis response-conformance check, security/tests/test_api_fuzz.py).
    education = serializers.ChoiceField(choices=Education.choices, allow_blank=True, read_only=True)
    occupation = serializers.ChoiceField(choices=Occupation.choices, allow_blank=True, read_only=True)
    exit_kind = serializers.ChoiceField(choices=ExitKind.choices, allow_blank=True, read_only=True)
    lost_reason = serializers.ChoiceField(choices=LostReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Member
        fields = [
            "id", "name", "org", "org_name", "id_number_masked", "sex", "ethnicity", "birth_date", "education",
            "stage", "joined_on", "full_on", "occupation", "job_title", "phone_masked", "status", "exit_kind",
            "status_since", "is_lost_contact", "lost_contact_on", "lost_reason", "is_mobile", "mobile_destination",
            "mobile_since", "version",
        ]  # fmt: skip
        read_only_fields = fields

    def get_id_number_masked(self, obj) -> str:
        value = obj.get_secret("id_number")
        return rules.mask_id_number(value) if value else ""

    def get_phone_masked(self, obj) -> str:
        value = obj.get_secret("phone")
        return rules.mask_phone(value) if value else ""


class MemberWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64, required=False)
    id_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    ethnicity = serializers.ChoiceField(choices=ETHNICITY_CHOICES, required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)
    education = serializers.ChoiceField(choices=Education.choices, required=False, allow_blank=True)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    joined_on = serializers.DateField(required=False, allow_null=True)
    full_on = serializers.DateField(required=False, allow_null=True)
    occupation = serializers.ChoiceField(choices=Occupation.choices, required=False, allow_blank=True)
    job_title = serializers.CharField(max_length=64, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    address = serializers.CharField(max_length=128, required=False, allow_blank=True)
    is_mobile = serializers.BooleanField(required=False)
    mobile_destination = serializers.CharField(max_length=128, required=False, allow_blank=True)
    mobile_since = serializers.DateField(required=False, allow_null=True)


class MemberCreateSerializer(MemberWriteSerializer):
    org = serializers.IntegerField(help_text="所在党支部编号")
    name = serializers.CharField(max_length=64)


class MemberUpdateSerializer(MemberWriteSerializer):
    version = serializers.IntegerField(help_text="读取时的版本号；他人已修改时返回 409")


class StatusChangeSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=MemberStatus.choices)
    exit_kind = serializers.ChoiceField(choices=ExitKind.choices, required=False, allow_blank=True)
    on = serializers.DateField()
    grounds = serializers.CharField()
    version = serializers.IntegerField()


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=[(f, f) for f in SECRET_FIELDS])


class RevealResultSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class MemberViewSet(ListModelMixin, RetrieveModelMixin, ScopedGenericViewSet):
    """党员：列表（与花名册相同的筛选条件）、详情、登记、修改、党籍变动、查看敏感信息（留痕）。"""

    queryset = Member.objects.select_related("org").order_by("org__path", "name_initials", "pk")
    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    action_verbs = {"status": "change", "reveal": "unmask"}

    def get_serializer_class(self):
        return {
            "create": MemberCreateSerializer,
            "partial_update": MemberUpdateSerializer,
            "status": StatusChangeSerializer,
            "reveal": RevealSerializer,
        }.get(self.action, MemberSerializer)

    def retrieve(self, request, *args, **kwargs):
        member = self.get_object()
        actions.record_read(member, actor=request.user, part="api", session=actions.reader_session(request))  # PRV-08
        return Response(self.get_serializer(member).data)

    @extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer})
    def create(self, request, *args, **kwargs):
        self.get_queryset()
        data = MemberCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        org = restrict(Org.objects.all(), request.user, "members.add_member").filter(pk=fields.pop("org")).first()
        if org is None:
            raise serializers.ValidationError({"org": "党组织不存在或不在您的管辖范围内。"})
        member = actions.add_member(org, actor=request.user, **fields)
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MemberUpdateSerializer, responses={200: MemberSerializer})
    def partial_update(self, request, *args, **kwargs):
        member = self.get_object()
        data = MemberUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        version = fields.pop("version")
        member = actions.update_member(member, actor=request.user, expected_version=version, **fields)
        return Response(MemberSerializer(member).data)

    @extend_schema(request=StatusChangeSerializer, responses={200: MemberSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        member = self.get_object()
        data = StatusChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        actions.change_status(
            member, v["target"], actor=request.user, on=v["on"], grounds=v["grounds"],
            exit_kind=v.get("exit_kind") or "", expected_version=v["version"],
        )  # fmt: skip
        member.refresh_from_db()
        return Response(MemberSerializer(member).data)

    @extend_schema(request=RevealSerializer, responses={200: RevealResultSerializer})
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        member = self.get_object()
        data = RevealSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        field = data.validated_data["field"]
        return Response({"field": field, "value": actions.reveal(member, field, actor=request.user)})
