"""The organization tree: orgs, their parent history, committees and terms, officers."""

from django.db import models
from django.db.models import Q

from dangjian.core.scope import RestrictedQuerySet
from dangjian.core.tree import PathField


class OrgKind(models.TextChoices):
    LOCAL_COMMITTEE = "local_committee", "地方党委"
    COMMITTEE = "committee", "党委"
    WORKING_COMMITTEE = "working_committee", "党工委"
    JOINT_COMMITTEE = "joint_committee", "联合党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    JOINT_BRANCH = "joint_branch", "联合党支部"


BRANCH_KINDS = frozenset({OrgKind.BRANCH, OrgKind.JOINT_BRANCH})
COMMITTEE_KINDS = frozenset(
    {OrgKind.LOCAL_COMMITTEE, OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.JOINT_COMMITTEE}
)


class Sector(models.TextChoices):
    RURAL = "rural", "农村"
    COMMUNITY = "community", "社区"
    GOVERNMENT = "government", "机关"
    PUBLIC_INSTITUTION = "public_institution", "事业单位"
    STATE_ENTERPRISE = "state_enterprise", "国有企业"
    SCHOOL = "school", "学校"
    PRIVATE_ENTERPRISE = "private_enterprise", "非公企业"
    SOCIAL_ORG = "social_org", "社会组织"
    MOBILE = "mobile", "流动党员"
    OTHER = "other", "其他"


class OrgRole(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy_secretary", "副书记"
    ORGANIZING_MEMBER = "organizing_member", "组织委员"
    PROPAGANDA_MEMBER = "propaganda_member", "宣传委员"
    DISCIPLINE_MEMBER = "discipline_member", "纪检委员"
    COMMITTEE_MEMBER = "committee_member", "委员"


class OrgQuerySet(RestrictedQuerySet):
    def active(self):
        return self.filter(dissolved_on__isnull=True)

    def in_subtree(self, path: str):
        return self.filter(path__in_subtree=path)


class Org(models.Model):
    """A node of the organization tree (党组织). `parent` is the truth; `path` and `depth` derive from it."""

    scope_path = "path"

    name = models.CharField("名称", max_length=128)
    short_name = models.CharField("简称", max_length=64, blank=True)
    # Searched with "contains", which no B-tree serves: no index.
    name_initials = models.CharField("名称拼音首字母", max_length=128, blank=True)
    kind = models.CharField("组织类别", max_length=32, choices=OrgKind.choices)
    sector = models.CharField("所在领域", max_length=32, choices=Sector.choices, default=Sector.OTHER)
    code = models.CharField("组织代码", max_length=32)
    unit_name = models.CharField("单位名称", max_length=128, blank=True)
    unit_category = models.CharField("单位类别", max_length=64, blank=True)
    unit_credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    established_on = models.DateField("成立日期")
    dissolved_on = models.DateField("撤销日期", null=True, blank=True)
    sort_order = models.IntegerField("排序", default=0)
    # No index of its own: orgs_children_idx (parent, sort_order) serves lookups by parent. Every extra
    # index on this table is rewritten for each row of a moved subtree.
    parent = models.ForeignKey(
        "self",
        verbose_name="上级党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_index=False,
    )
    path = PathField("路径")
    depth = models.PositiveSmallIntegerField("层级", default=0)
    # Direct counters kept by the roster's actions; subtree figures are sums over the path range.
    member_count = models.PositiveIntegerField("党员数", default=0)
    full_member_count = models.PositiveIntegerField("正式党员数", default=0)
    version = models.PositiveIntegerField("版本", default=1)

    objects = OrgQuerySet.as_manager()

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        ordering = ["path"]
        constraints = [
            # Constraints rather than unique=True: on PostgreSQL the latter adds a second, "_like" index.
            models.UniqueConstraint(fields=["path"], name="orgs_path_unique"),
            models.UniqueConstraint(fields=["code"], name="orgs_code_unique"),
            models.UniqueConstraint(
                fields=["parent", "name"],
                condition=Q(dissolved_on__isnull=True),
                name="orgs_active_sibling_name_unique",
            ),
        ]
        indexes = [models.Index(fields=["parent", "sort_order"], name="orgs_children_idx")]

    def __str__(self):
        return self.name

    @property
    def is_dissolved(self) -> bool:
        return self.dissolved_on is not None

    @property
    def is_branch(self) -> bool:
        return self.kind in BRANCH_KINDS


class OrgEdge(models.Model):
    """One interval of an org's parent link, so the tree of any past day can be rebuilt."""

    org = models.ForeignKey(Org, on_delete=models.CASCADE, related_name="edges")
    parent = models.ForeignKey(Org, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField("起")
    valid_to = models.DateField("止", null=True, blank=True)

    class Meta:
        verbose_name = "隶属关系"
        verbose_name_plural = "隶属关系"
        indexes = [models.Index(fields=["valid_from", "valid_to"], name="orgs_edge_dates_idx")]
        constraints = [
            models.UniqueConstraint(fields=["org"], condition=Q(valid_to__isnull=True), name="orgs_one_current_edge"),
        ]


class CommitteeTerm(models.Model):
    """A term of office of an org's committee (or of its secretary where there is no committee)."""

    scope_path = "org__path"

    org = models.ForeignKey(Org, verbose_name="党组织", on_delete=models.CASCADE, related_name="terms")
    elected_on = models.DateField("选举日期")
    ends_on = models.DateField("届满日期")
    has_committee = models.BooleanField("设委员会", default=True)
    note = models.CharField("备注", max_length=255, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "届次"
        verbose_name_plural = "届次"
        ordering = ["-elected_on"]

    def __str__(self):
        return f"{self.org} {self.elected_on:%Y年%m月}—{self.ends_on:%Y年%m月}"


class OrgOfficer(models.Model):
    """A person holding a post in an org's leadership. The roster links `member` when it exists."""

    scope_path = "org__path"

    org = models.ForeignKey(Org, verbose_name="党组织", on_delete=models.CASCADE, related_name="officers")
    term = models.ForeignKey(
        CommitteeTerm, verbose_name="届次", null=True, blank=True, on_delete=models.SET_NULL, related_name="officers"
    )
    role = models.CharField("职务", max_length=32, choices=OrgRole.choices)
    name = models.CharField("姓名", max_length=64)
    starts_on = models.DateField("任职日期")
    ends_on = models.DateField("离任日期", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "班子成员"
        verbose_name_plural = "班子成员"
        ordering = ["role", "starts_on"]

    def __str__(self):
        return f"{self.get_role_display()} {self.name}"
