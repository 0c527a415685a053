"""The roster: members, their placements over time, status changes.

Personal data (ID number, phone, address) is stored only as SM4-GCM ciphertext bound to the row's
`uid`; the ID number also has a keyed blind index for exact search. Screens show masked values.
"""

import os
import time
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


def time_ordered_uuid() -> uuid.UUID:
    """A version-7 UUID (RFC 9562): 48 bits of Unix time in milliseconds, then 74 random bits. Rows created
    together get neighbouring uids, so the uid index grows at its end instead of taking inserts at random
    pages all over (a 200,000-row import; a 3,000,000-member roster's index no longer fits the cache). The
    random part keeps uids unguessable; the time they give away is the row's created_at anyway."""
    ms = time.time_ns() // 1_000_000
    value = (ms & ((1 << 48) - 1)) << 80 | int.from_bytes(os.urandom(10), "big") & ((1 << 80) - 1)
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # variant 10
    return uuid.UUID(int=value)


class MemberQuerySet(RestrictedQuerySet):
    def current(self):
        """People still on the roster (not exited)."""
        return self.exclude(status=MemberStatus.EXITED)

    def members(self):
        """Party members proper: probationary and full."""
        return self.filter(stage__in=[Stage.PROBATIONARY, Stage.FULL])

    def with_id_number(self):
        """Records that have an ID number (a blind index). Every look-up by ID number goes through here: the
        condition is implied by the keys looked up, but the planners cannot always prove it (SQLite never,
        PostgreSQL not for an IN list of over 100 keys or an array joined in), and only with it may they use the
        partial indexes — members_one_current_record_per_id (with `current()`) and members_id_number_exited_idx
        (with status=exited) — since members 0007 dropped the plain index of every record."""
        return self.exclude(id_number_index="")


class Member(models.Model):
    scope_path = "org__path"

    uid = models.UUIDField(default=time_ordered_uuid, unique=True, editable=False)
    name = models.CharField("姓名", max_length=64)
    # Indexed by members_initials_idx (a plain btree: prefix search is a range, see filters.initials_prefix).
    name_initials = models.CharField("姓名拼音首字母", max_length=64, blank=True)
    # No index of its own: members_org_stage_idx (org, stage, status) leads with it (one index less to write).
    org = models.ForeignKey(
        "orgs.Org", verbose_name="所在党支部", on_delete=models.PROTECT, related_name="members", db_index=False
    )
    id_number_cipher = models.TextField(blank=True)
    # Matched exactly: members_one_current_record_per_id (current records), members_id_number_exited_idx (exited).
    id_number_index = models.CharField(max_length=64, blank=True)
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
            # Declared here rather than with db_index=True, which on PostgreSQL adds a second, varchar_pattern_ops
            # index per column for LIKE 'x%' that no query uses (both columns are matched exactly or by range):
            # two indexes fewer to write on every insert (the import's commit, members 0006).
            models.Index(fields=["name_initials"], name="members_initials_idx"),
            # ID numbers of exited records only (members 0007): every look-up by ID number names the status — the
            # current records' (the default roster, 正常, 停止党籍, the importer, transfers, recruitment) go through
            # the partial unique index above; only the roster's search under 党籍状态「已出党」 needs this one. An
            # import writes no exited record, so its commit no longer fills a second index of 64-character keys.
            models.Index(fields=["id_number_index"], condition=Q(status="exited"), name="members_id_number_exited_idx"),
            models.Index(fields=["birth_date"], name="members_birth_idx"),
            models.Index(fields=["joined_on"], name="members_joined_idx"),
            # The to-dos' few rows out of a whole county's (MEM-06, REL-02): small partial indexes, so the home
            # page does not scan every member in scope on each request.
            models.Index(fields=["lost_contact_on"], condition=Q(is_lost_contact=True), name="members_lost_idx"),
            models.Index(fields=["status_since"], condition=Q(status="suspended"), name="members_suspended_idx"),
            models.Index(fields=["mobile_since"], condition=Q(is_mobile=True), name="members_mobile_idx"),
        ]

    def __str__(self):
        return self.name

    # -- personal data -------------------------------------------------------------------------
    def _aad(self, field: str) -> bytes:
        return secret_aad(field, self.uid)

    def set_secret(self, field: str, value: str, cipher: crypto.FieldCipher | None = None, index: str = "") -> None:
        """Encrypt `value` into the field's column (bound to this row's uid). A bulk writer passes its own
        `cipher` and the blind `index` it has already computed for an ID number."""
        assert field in SECRET_FIELDS
        cipher = cipher or crypto.field_cipher()
        setattr(self, f"{field}_cipher", cipher.encrypt(value, self._aad(field)) if value else "")
        if field == "id_number":
            self.id_number_index = (index or id_number_index(value)) if value else ""

    def get_secret(self, field: str) -> str:
        assert field in SECRET_FIELDS
        stored = getattr(self, f"{field}_cipher")
        return crypto.decrypt_field(stored, self._aad(field)) if stored else ""

    @property
    def is_member(self) -> bool:
        return self.stage in (Stage.PROBATIONARY, Stage.FULL)


def secret_aad(field: str, uid) -> bytes:
    """What a member's ciphertext is bound to: table, column and the row's uid (CRY-03)."""
    return f"members.member:{field}:{uid}".encode()


def id_number_index(number: str) -> str:
    return crypto.blind_index(number, "id_number")


class Placement(models.Model):
    """One interval of a member's placement in an org (REL-01): the roster as of any date."""

    scope_path = "org__path"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="placements")
    # Indexed by members_placement_org_idx (org, valid_from, valid_to).
    org = models.ForeignKey(
        "orgs.Org", verbose_name="党组织", on_delete=models.PROTECT, related_name="placements", db_index=False
    )
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


class ImportStatus(models.TextChoices):
    PREVIEWING = "previewing", "正在校验"
    PREVIEWED = "previewed", "已校验，待确认"
    COMMITTING = "committing", "正在导入"
    COMMITTED = "committed", "已导入"
    FAILED = "failed", "失败"
    ROLLED_BACK = "rolled_back", "已撤销"


class ImportBatch(models.Model):
    """One uploaded roster file: its validation report and, once confirmed, what it wrote."""

    scope_path = "scope_org__path"

    digest = models.CharField("文件摘要（SM3）", max_length=64, db_index=True)
    filename = models.CharField("文件名", max_length=255)
    template_version = models.CharField("模板版本", max_length=16, default="1")
    stored_file = models.CharField(max_length=255)
    scope_org = models.ForeignKey("orgs.Org", verbose_name="导入范围", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=16, choices=ImportStatus.choices, default=ImportStatus.PREVIEWING)
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    to_create = models.PositiveIntegerField("新增", default=0)
    to_update = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("无变化", default=0)
    error_rows = models.PositiveIntegerField("有错误的行", default=0)
    warning_rows = models.PositiveIntegerField("有提示的行", default=0)
    problems = models.JSONField("逐行问题", default=list, blank=True)
    message = models.TextField("说明", blank=True)
    preview_job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    commit_job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)
    # The members the batch created, for its rollback: {"runs": [[first id, count], …], "row_runs": [[first
    # spreadsheet row, count], …]} (the rows in id order; batches committed before: "rows", a list of every row)
    # — one value instead of an item row per new member (a third of the commit's writes).
    created_members = models.JSONField(default=dict, blank=True)
    rolled_back_at = models.DateTimeField("撤销时间", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "党员导入批次"
        verbose_name_plural = "党员导入批次"
        ordering = ["-created_at"]
        constraints = [
            # REL-02: the same file is written at most once (a second commit finds this row and stops).
            models.UniqueConstraint(
                fields=["digest", "template_version"],
                condition=Q(status__in=["committing", "committed"]),
                name="members_import_once",
            ),
        ]

    def __str__(self):
        return self.filename


class ImportBatchItem(models.Model):
    """What a committed batch did to one roster record it changed, so that the batch can be rolled back (the
    members it created are listed on the batch: `ImportBatch.created_members`; batches committed before
    that have an item with action "create" per new member)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="items", db_index=False)  # idx below
    member = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    row_number = models.PositiveIntegerField()
    action = models.CharField(max_length=8)  # "create" | "update"
    before = models.JSONField(default=dict, blank=True)  # stored columns, ciphertext for personal data
    version_after = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["batch", "row_number"], name="members_importitem_idx")]


class TransferStatus(models.TextChoices):
    PENDING = "pending", "待接收"
    ACCEPTED = "accepted", "已接收"
    RETURNED = "returned", "已退回"
    CANCELLED = "cancelled", "已撤回"


class Transfer(models.Model):
    """组织关系转接: an introduction letter from one org to another, inside the system or outside it."""

    scope_path = ("from_org__path", "to_org__path")  # both sides see it
    scope_distinct = False

    serial = models.CharField("介绍信编号", max_length=16, unique=True)
    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.PROTECT, related_name="transfers")
    from_org = models.ForeignKey(
        "orgs.Org", verbose_name="转出党组织", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_org_name = models.CharField("转出党组织名称（系统外）", max_length=128, blank=True)
    to_org = models.ForeignKey(
        "orgs.Org", verbose_name="接收党组织", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_org_name = models.CharField("接收党组织名称（系统外）", max_length=128, blank=True)
    to_org_code = models.CharField("接收党组织代码（系统外）", max_length=32, blank=True)
    reason = models.CharField("转接原因", max_length=128, blank=True)
    issued_on = models.DateField("开具日期")
    valid_until = models.DateField("有效期至")
    dues_paid_until = models.DateField("党费交至", null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=TransferStatus.choices, default=TransferStatus.PENDING)
    decided_on = models.DateField("办理日期", null=True, blank=True)
    decision_note = models.CharField("退回原因/备注", max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(status="pending"), name="members_one_pending_transfer"
            ),
        ]

    def __str__(self):
        return f"{self.serial} {self.member}"


class MobileDirection(models.TextChoices):
    OUTFLOW = "outflow", "流出"
    INFLOW = "inflow", "流入"


class MobileRecord(models.Model):
    """流动党员登记 (REL-08…11): a member away from, or staying at, an org without transferring.

    An inflow (流入) names the host org in this system where the member takes part in organizational life
    (一方隶属、多重组织生活, REL-08): the record is seen by both the member's own org and the host."""

    scope_path = ("member__org__path", "host_org__path")

    member = models.ForeignKey(Member, verbose_name="党员", on_delete=models.CASCADE, related_name="mobile_records")
    direction = models.CharField("流向", max_length=8, choices=MobileDirection.choices, default=MobileDirection.OUTFLOW)
    host_org = models.ForeignKey(
        "orgs.Org",
        verbose_name="流入党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_mobile_records",
    )
    province = models.CharField("省", max_length=32, blank=True)
    city = models.CharField("市", max_length=32, blank=True)
    county = models.CharField("县（区）", max_length=32, blank=True)
    place = models.CharField("单位或地点", max_length=128, blank=True)
    reason = models.CharField("外出原因", max_length=64, blank=True)
    contact_person = models.CharField("联系人", max_length=32, blank=True)
    certificate_number = models.CharField("流动党员活动证编号", max_length=32, blank=True)
    since = models.DateField("起")
    until = models.DateField("止", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "流动党员登记"
        verbose_name_plural = "流动党员登记"
        ordering = ["-since"]

    @property
    def destination(self) -> str:
        return "".join(p for p in (self.province, self.city, self.county) if p)


class RecordKind(models.TextChoices):
    REWARD = "reward", "奖励"
    PUNISHMENT = "punishment", "处分"


class RewardPunishment(models.Model):
    """奖惩: a commendation or a Party discipline measure, with the deciding body and document."""

    scope_path = "member__org__path"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="rewards_punishments")
    kind = models.CharField("类别", max_length=16, choices=RecordKind.choices)
    title = models.CharField("名称", max_length=64, help_text="如：优秀共产党员、党内警告")
    on = models.DateField("日期")
    authority = models.CharField("批准机关", max_length=128, blank=True)
    document_no = models.CharField("文号", max_length=64, blank=True)
    note = models.CharField("说明", max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "奖惩情况"
        verbose_name_plural = "奖惩情况"
        ordering = ["-on"]


class FamilyMember(models.Model):
    """家庭成员 and important social relations (as the member archive records them)."""

    scope_path = "member__org__path"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="family")
    relation = models.CharField("称谓", max_length=16)
    name = models.CharField("姓名", max_length=64)
    birth_year = models.PositiveSmallIntegerField("出生年份", null=True, blank=True)
    political_status = models.CharField("政治面貌", max_length=16, blank=True)
    work_unit = models.CharField("工作单位及职务", max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        ordering = ["id"]


class AidRecord(models.Model):
    """困难党员帮扶: a hardship and what is done about it."""

    scope_path = "member__org__path"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="aid_records")
    kind = models.CharField("困难类型", max_length=32)
    description = models.CharField("困难情况", max_length=255)
    measures = models.CharField("帮扶措施", max_length=255, blank=True)
    since = models.DateField("起")
    until = models.DateField("止", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "困难帮扶"
        verbose_name_plural = "困难帮扶"
        ordering = ["-since"]


class MemberDocument(models.Model):
    """党员档案: an uploaded scan. Files live outside the web root and are served only through a scoped,
    audited view."""

    scope_path = "member__org__path"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("材料类别", max_length=32)
    title = models.CharField("标题", max_length=128)
    stored_file = models.CharField(max_length=255)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField("大小（字节）")
    digest = models.CharField("摘要（SM3）", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "党员档案材料"
        verbose_name_plural = "党员档案材料"
        ordering = ["-uploaded_at"]
