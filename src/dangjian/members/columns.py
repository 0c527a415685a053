"""The roster's spreadsheet columns: the 16 national items of rules.md §10.3 in order, then extended ones.

One list serves the import template, the importer and the export, so the three never disagree.
Each column knows how to show a member's value as a cell (`cell`) and its coded choices (`choices`,
for template dropdowns and for reading labels back).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dangjian.members.choices import ETHNICITIES, Education, LostReason, MemberStatus, Occupation, Sex, Stage

TEMPLATE_VERSION = "1"
YES, NO = "是", "否"


@dataclass(frozen=True)
class Column:
    header: str
    key: str  # Member attribute, "org" or a secret field name
    kind: str  # text | org | id_number | choice | date | phone | bool | secret_text
    choices: tuple[tuple[str, str], ...] = field(default=())  # (value, label)
    required: bool = False
    national: bool = True
    width: int = 14

    def labels(self) -> list[str]:
        return [label for _value, label in self.choices]

    def value_of_label(self) -> dict[str, str]:
        return {label: value for value, label in self.choices}


STAGE_LABELS = (
    (Stage.FULL.value, "正式党员"),
    (Stage.PROBATIONARY.value, "预备党员"),
    (Stage.CANDIDATE.value, "发展对象"),
    (Stage.ACTIVIST.value, "入党积极分子"),
    (Stage.APPLICANT.value, "申请入党人"),
)
STATUS_LABELS = ((MemberStatus.NORMAL.value, "正常"), (MemberStatus.SUSPENDED.value, "停止党籍"))
BOOL_LABELS = (("1", YES), ("0", NO))

COLUMNS: tuple[Column, ...] = (
    Column("姓名", "name", "text", required=True, width=10),
    Column("所在党支部", "org", "org", required=True, width=28),
    Column("公民身份号码", "id_number", "id_number", required=True, width=22),
    Column("性别", "sex", "choice", tuple(Sex.choices), width=6),
    Column("民族", "ethnicity", "choice", tuple((n, n) for n in ETHNICITIES), width=8),
    Column("出生日期", "birth_date", "date", width=12),
    Column("学历", "education", "choice", tuple(Education.choices), width=14),
    Column("人员类别", "stage", "choice", STAGE_LABELS, required=True, width=10),
    Column("加入党组织日期", "joined_on", "date", width=14),
    Column("转为正式党员日期", "full_on", "date", width=16),
    Column("工作岗位", "occupation", "choice", tuple(Occupation.choices), width=20),
    Column("联系电话", "phone", "phone", width=16),
    Column("家庭住址", "address", "secret_text", width=28),
    Column("党籍状态", "status", "choice", STATUS_LABELS, width=10),
    Column("是否为失联党员", "is_lost_contact", "bool", BOOL_LABELS, width=14),
    Column("是否为流动党员", "is_mobile", "bool", BOOL_LABELS, width=14),
    Column("失去联系日期", "lost_contact_on", "date", national=False, width=14),
    Column("失联原因", "lost_reason", "choice", tuple(LostReason.choices), national=False, width=16),
    Column("外出流向", "mobile_destination", "text", national=False, width=22),
    Column("外出日期", "mobile_since", "date", national=False, width=12),
    Column("职务/岗位说明", "job_title", "text", national=False, width=16),
)
NATIONAL_HEADERS = [c.header for c in COLUMNS if c.national]
HEADERS = [c.header for c in COLUMNS]
BY_HEADER = {c.header: c for c in COLUMNS}
assert len(NATIONAL_HEADERS) == 16

INSTRUCTIONS = [
    "1. 第一行为表头，请勿修改、删除或调整顺序；前16列为全国党员管理信息系统的16项基本信息，其后为扩展信息。",
    "2. 每行一人。姓名、所在党支部、公民身份号码、人员类别为必填项。",
    "3. 所在党支部填写党组织全称或组织代码，且须在您的管辖范围内。",
    "4. 公民身份号码为18位，请将该列设为“文本”格式，以免末尾数字被Excel改为0。",
    "5. 性别、出生日期可留空，系统将根据公民身份号码填写；填写时须与身份证号码一致。",
    "6. 日期可写作 2020-07-01、2020/7/1、2020.7.1 或 2020年7月1日，也可使用Excel日期格式。",
    "7. 正式党员须填写加入党组织日期和转为正式党员日期；预备党员只填写加入党组织日期。",
    "8. 带下拉框的列请从下拉框中选择。",
    "9. 同一公民身份号码已在名册中的，导入时按本表更新（所在党支部不同的须办理组织关系转接）。",
    "10. 导入前系统会逐行校验并显示全部问题；有任何错误时不会写入任何数据。",
]
