"""Coded values of the roster (rules.md §10.2, §10.3, MEM-13). Stable English values, Chinese labels."""

from django.db import models


class Sex(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class Stage(models.TextChoices):
    """Where a person stands on the way to and in membership (glossary: Stage)."""

    APPLICANT = "applicant", "申请入党人"
    ACTIVIST = "activist", "入党积极分子"
    CANDIDATE = "candidate", "发展对象"
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "正式党员"


MEMBER_STAGES = (Stage.PROBATIONARY, Stage.FULL)  # 人员类别: 预备 / 正式


class Education(models.TextChoices):
    DOCTORATE = "doctorate", "研究生（博士）"
    MASTER = "master", "研究生（硕士）"
    BACHELOR = "bachelor", "大学本科"
    JUNIOR_COLLEGE = "junior_college", "大学专科"
    SECONDARY_VOCATIONAL = "secondary_vocational", "中专"
    HIGH_SCHOOL = "high_school", "高中、中技"
    JUNIOR_HIGH_OR_BELOW = "junior_high_or_below", "初中及以下"


COLLEGE_OR_ABOVE = (Education.DOCTORATE, Education.MASTER, Education.BACHELOR, Education.JUNIOR_COLLEGE)


class Occupation(models.TextChoices):
    """工作岗位, top level of the statistical classification."""

    WORKER = "worker", "工人（工勤技能人员）"
    FARMER = "farmer", "农牧渔民"
    PROFESSIONAL = "professional", "专业技术人员"
    MANAGER = "manager", "企事业单位、社会组织管理人员"
    OFFICIAL = "official", "党政机关工作人员"
    STUDENT = "student", "学生"
    OTHER = "other", "其他职业人员"
    RETIRED = "retired", "离退休人员"
    MILITARY = "military", "解放军、武警部队人员"


class MemberStatus(models.TextChoices):
    """党籍状态 plus the end of membership."""

    NORMAL = "normal", "正常"
    SUSPENDED = "suspended", "停止党籍"
    EXITED = "exited", "已出党"


class ExitKind(models.TextChoices):
    """出党方式 (MEM-01…05) and death."""

    WITHDRAWAL = "withdrawal", "退党"
    REMOVAL = "removal", "除名"
    LAPSE = "lapse", "自行脱党除名"
    PERSUADED = "persuaded", "劝退"
    EXPULSION = "expulsion", "开除党籍"
    DEATH = "death", "死亡"


class LostReason(models.TextChoices):
    """失联原因 (MEM-13, a provincial code list: configurable practice)."""

    MIGRANT_WORK = "1", "外出务工经商"
    RESTRUCTURING = "2", "单位改制或破产"
    GRADUATE = "3", "毕业后去向不明"
    JOB_CHANGE = "4", "工作单位改变"
    ABROAD = "5", "出国（境）"
    MOVED = "6", "居住地改变"
    OTHER = "7", "其他"


# GB/T 3304 names, in code order (01 汉族 … 56 基诺族).
ETHNICITIES = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
]  # fmt: skip
ETHNICITY_CHOICES = [(name, name) for name in ETHNICITIES]
assert len(ETHNICITIES) == 56
