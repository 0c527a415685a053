"""The roster: members, their placements over time, status changes.

Personal data (ID number, phone, address) is stored only as SM4-GCM ciphertext bound to the row's
`uid`; the ID number also has a keyed blind index for exact search. Screens show masked values.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from dangjian.core import crypto
from dangjian.core.scope import RestrictedQuerySet
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

SECRET_FIELDS = ("id_number", "phone", "address")


class MemberQuerySet(RestrictedQuerySet):
    def current(self):
        """People still on the roster (not exited)."""
        return self.exclude(status=MemberStatus.EXITED)

    def members(self):
        """Party members proper: probationary and full."""
        return self.filter(stage__in=[Stage.PROBATIONARY, Stage.FULL])


class Member(models.Model):
    scope_path = "org__path"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField("姓名", max_length=64)
    name_initials = models.CharField("姓名拼音首字母", max_length=64, blank=True, db_index=True)
    org = models.ForeignKey("orgs.Org", verbose_name="所在党支部", on_delete=models.PROTECT, related_name="members")
    id_number_cipher = models.TextField(blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True)
    sex = models.CharField("性别", max_length=8, choices=Sex.choices)
    ethnicity = models.CharField("民族", max_length=16, choices=ETHNICITY_CHOICES, default="汉族")
    birth_date = models.DateField("出生日期")
    education = models.CharField("学历", max_length=32, choices=Education.choices, blank=True)
    stage = models.CharField("人员类别", max_length=16, choices=Stage.choices, default=Stage.FULL)
    joined_on = models.DateField("加入党组织日期", null=True, blank=True)
    full_on = models.DateField("转为正式党员日期", null=True, blank=True)
    occupation = models.CharField("工作岗位", max_length=16, choices=Occupation.choices, blank=True)
    job_title = models.CharField("职务/岗位说明", max_length=64, blank=True)
    phone_cipher = models.TextField(blank=True)
    address_cipher = models.TextField(blank=True)
    status = models.CharField("党籍状态", max_length=16, choices=MemberStatus.choices, default=MemberStatus.NORMAL)
    exit_kind = models.CharField("出党方式", max_length=16, choices=ExitKind.choices, blank=True)
    status_since = models.DateField("状态变更日期", null=True, blank=True)
    is_lost_contact = models.BooleanField("失联党员", default=False)
    lost_contact_on = models.DateField("失去联系日期", null=True, blank=True)
    lost_reason = models.CharField("失联原因", max_length=2, choices=LostReason.choices, blank=True)
    is_mobile = models.BooleanField("流动党员", default=False)
    mobile_destination = models.CharField("外出流向", max_length=128, blank=True)
    mobile_since = models.DateField("外出日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    version = models.PositiveIntegerField("版本", default=1)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["org", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~Q(id_number_index="") & ~Q(status="exited"),
                name="members_one_current_record_per_id",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "stage", "status"], name="members_org_stage_idx"),
            models.Index(fields=["birth_date"], name="members_birth_idx"),
            models.Index(fields=["joined_on"], name="members_joined_idx"),
        ]

    def __str__(self):
        return self.name

    # -- personal data -------------------------------------------------------------------------
    def _aad(self, field: str) -> bytes:
        return f"members.member:{field}:{self.uid}".encode()

    def set_secret(self, field: str, value: str) -> None:
        assert field in SECRET_FIELDS
        setattr(self, f"{field}_cipher", crypto.encrypt_field(value, self._aad(field)) if value else "")
        if field == "id_number":
            self.id_number_index = id_number_index(value) if value else ""

    def get_secret(self, field: str) -> str:
        assert field in SECRET_FIELDS
        stored = getattr(self, f"{field}_cipher")
        return crypto.decrypt_field(stored, self._aad(field)) if stored else ""

    @property
    def is_member(self) -> bool:
        return self.stage in (Stage.PROBATIONARY, Stage.FULL)


def id_number_index(number: str) -> str:
    return crypto.blind_index(number, "id_number")


class Placement(models.Model):
    """One interval of a member's placement in an org (REL-01): the roster as of any date."""

    scope_path = "org__path"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="placements")
    org = models.ForeignKey("orgs.Org", verbose_name="党组织", on_delete=models.PROTECT, related_name="placements")
    valid_from = models.DateField("起")
    valid_to = models.DateField("止", null=True, blank=True)
    reason = models.CharField("原因", max_length=64, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "组织关系所在"
        verbose_name_plural = "组织关系所在"
        ordering = ["member", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(valid_to__isnull=True), name="members_one_open_placement"
            ),
        ]
        indexes = [models.Index(fields=["org", "valid_from", "valid_to"], name="members_placement_org_idx")]


class StatusChange(models.Model):
    """A change of stage or status: 停止党籍, 恢复党籍, 出党, 转正, 失联 … with its date and grounds."""

    scope_path = "member__org__path"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="status_changes")
    kind = models.CharField("事项", max_length=32)
    on = models.DateField("日期")
    grounds = models.TextField("依据/原因", blank=True)
    rule_id = models.CharField("规则", max_length=16, blank=True)
    before = models.JSONField("变更前", default=dict)
    after = models.JSONField("变更后", default=dict)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "党籍变动"
        verbose_name_plural = "党籍变动"
        ordering = ["-on", "-recorded_at"]
