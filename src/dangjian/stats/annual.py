"""党内统计年报: the standard tables (§10.2) the modules can fill so far, for a subtree as of 12-31 of a year.

Each table is a list of columns, each a filter on one base population; one grouped query counts every
column per org, and the counts are added up to the root's direct children as the tree stood on 12-31.
Stock tables (党员基本情况、入党时间、学历、年龄) count the members placed on 12-31; flow tables count the
year's events at the org whose placement covered the event: 发展党员 (加入党组织日期), 预备党员转正
(转为正式党员日期), 党员出党 (出党日期). 民主评议党员 counts the entries of the year's appraisals
(orglife.Appraisal, LIFE-08/09) at the appraising org as the tree stood on 12-31: every participant, those to
be graded, and the four grades of LIFE-09 (优秀/合格/基本合格/不合格) once the grades are fixed (a closed
appraisal); a graded member of an appraisal still open, or without a grade, is 等次未确定.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, Q

from dangjian.members.choices import (
    COLLEGE_OR_ABOVE,
    MEMBER_STAGES,
    Education,
    ExitKind,
    MemberStatus,
    Occupation,
    Stage,
)
from dangjian.orgs.models import Org
from dangjian.stats import cube


@dataclass
class Table:
    code: str
    title: str
    columns: list[tuple[str, str]]  # (key, label); the first is "total"
    rows: list[dict] = field(default_factory=list)  # {"org": Org|None (本级), "label", "values": {key: n}}
    total: dict[str, int] = field(default_factory=dict)
    note: str = ""
    connected: bool = True


def _spec(year: int) -> list[tuple[str, str, str, list[tuple[str, str, Q]]]]:
    """(code, title, population, columns) of each table; population: stock | developed | converted | exits."""
    d = date(year, 12, 31)
    dims = cube.member_dimensions(d)
    occupations = [(f"occ_{v}", lbl, Q(member__occupation=v)) for v, lbl in Occupation.choices]
    return [
        ("basic", "党员基本情况", "stock", [
            ("total", "党员总数", Q()),
            ("female", "女党员", cube.FEMALE_Q),
            ("minority", "少数民族", cube.MINORITY_Q),
            ("full", "正式党员", cube.full_q(d)),
            ("probationary", "预备党员", ~cube.full_q(d)),
            ("college", "大专及以上", cube.COLLEGE_Q),
            ("le35", "35岁及以下", cube.age_at_most_q(d, 35)),
            *occupations,
            ("occ_", "工作岗位未填写", Q(member__occupation="")),
        ]),
        ("join", "入党时间", "stock", [
            ("total", "党员总数", Q()),
            *[(f"join_{c.code or 'unknown'}", c.label, c.q) for c in dims["join"].cells],
        ]),
        ("education", "学历", "stock", [
            ("total", "党员总数", Q()),
            *[(f"edu_{v}", lbl, Q(member__education=v)) for v, lbl in Education.choices],
            ("edu_", "学历未填写", Q(member__education="")),
        ]),
        ("age", "年龄", "stock", [
            ("total", "党员总数", Q()),
            *[(f"age_{c.code}", c.label, c.q) for c in dims["age"].cells],
        ]),
        ("developed", "发展党员", "developed", [
            ("total", "发展党员数", Q()),
            ("female", "女", cube.FEMALE_Q),
            ("minority", "少数民族", cube.MINORITY_Q),
            ("le35", "35岁及以下", cube.age_at_most_q(d, 35)),
            ("college", "大专及以上", cube.COLLEGE_Q),
            ("occ_worker", "工人", Q(member__occupation=Occupation.WORKER)),
            ("occ_farmer", "农牧渔民", Q(member__occupation=Occupation.FARMER)),
            ("occ_student", "学生", Q(member__occupation=Occupation.STUDENT)),
        ]),
        ("converted", "预备党员转正", "converted", [
            ("total", "转为正式党员", Q()),
            ("female", "女", cube.FEMALE_Q),
            ("minority", "少数民族", cube.MINORITY_Q),
            ("college", "大专及以上", cube.COLLEGE_Q),
        ]),
        ("exits", "党员出党", "exits", [
            ("total", "出党及死亡合计", Q()),
            *[(f"exit_{v}", lbl, Q(member__exit_kind=v)) for v, lbl in ExitKind.choices],
        ]),
        ("appraisal", "民主评议党员", "appraisal", [
            ("total", "参加评议党员", Q()),
            ("graded", "评定等次", Q(graded=True)),
            *[(f"grade_{v}", lbl, Q(graded=True, appraisal__closed=True, grade=v)) for v, lbl in _grades()],
            ("grade_", "等次未确定", Q(graded=True) & (Q(appraisal__closed=False) | Q(grade=""))),
            ("ungraded", "参加评议不评定等次", Q(graded=False)),
        ]),
    ]  # fmt: skip


def _grades():
    from dangjian.orglife.models import AppraisalGrade

    return AppraisalGrade.choices


BY = {"appraisal": "appraisal__org_id"}  # the column that names the org a population's row counts at


def _population(kind: str, ids, year: int):
    first, last = date(year, 1, 1), date(year, 12, 31)
    if kind == "appraisal":
        from dangjian.orglife.models import AppraisalEntry
        from dangjian.stats.indicators import ids_q

        return AppraisalEntry.objects.filter(ids_q("appraisal__org_id", ids), appraisal__year=year)
    if kind == "stock":
        return cube.placed(ids, last)
    if kind == "developed":
        return cube.placed_at_event(ids, "joined_on", first, last).filter(member__stage__in=MEMBER_STAGES)
    if kind == "converted":
        return cube.placed_at_event(ids, "full_on", first, last).filter(member__stage=Stage.FULL)
    # 出党 has its kind (退党、除名…, required by the status change); an exited record without one left by a
    # transfer to an org outside the system (members.transfer_actions.transferred_out): not an exit.
    return (
        cube.placed_at_event(ids, "status_since", first, last, exit_event=True)
        .filter(member__status=MemberStatus.EXITED)
        .exclude(member__exit_kind="")
    )


def stock_values(code: str, cells: dict, m: dict[str, int]) -> dict[str, int]:
    """The columns of a stock table (党员基本情况、入党时间、学历、年龄) from a rollup's member cells."""
    total = m.get("total", 0)
    derived = {
        "total": total,
        "female": m.get("sex:female", 0),
        "minority": total - m.get("ethnicity:汉族", 0),
        "full": m.get("category:full", 0),
        "probationary": m.get("category:probationary", 0),
        "college": sum(m.get(f"education:{e}", 0) for e in COLLEGE_OR_ABOVE),
        "le35": m.get("age:le30", 0) + m.get("age:31_35", 0),
    }
    prefixes = {"occ_": "occupation:", "edu_": "education:", "age_": "age:", "join_": "join:"}
    out = {}
    for key in cells:
        if key in derived:
            out[key] = derived[key]
            continue
        prefix = next(p for p in prefixes if key.startswith(p))
        value = key[len(prefix) :]
        out[key] = m.get(prefixes[prefix] + ("" if value == "unknown" else value), 0)
    return out


def tables(root: Org, year: int, *, use_rollups: bool = True) -> list[Table]:
    """Every annual table of `root`'s subtree as of 12-31 of `year`: a 合计 row and one row per direct child
    (plus 本级 when members are placed in the root itself). The stock tables read the rollups of 12-31 when
    the root and all its children have one (`stats_rollup --date YYYY-12-31`); the flows are always counted."""
    d = date(year, 12, 31)
    owner = cube.owners(root.pk, d)
    ids = set(owner)
    child_ids = sorted({v for v in owner.values() if v != root.pk})
    orgs = {o.pk: o for o in Org.objects.filter(pk__in=child_ids)}
    children = sorted(orgs.values(), key=lambda o: (o.sort_order, o.name))
    out = []
    stored = {}
    if use_rollups:
        from dangjian.stats.models import Rollup

        stored = {
            r.org_id: r.figures.get("members", {}) for r in Rollup.objects.filter(org_id__in=[root.pk, *orgs], day=d)
        }
        if len(stored) != len(orgs) + 1:
            stored = {}
    for code, title, population, columns in _spec(year):
        cells = {key: q for key, _label, q in columns}
        if population == "stock" and stored:
            summed = {pk: stock_values(code, cells, m) for pk, m in stored.items() if pk != root.pk}
            whole = stock_values(code, cells, stored[root.pk])
            own = {k: whole[k] - sum(row[k] for row in summed.values()) for k in cells}
            if any(own.values()):
                summed[root.pk] = own
        else:
            by = BY.get(population, "org_id")
            per_org = cube.count_cells(_population(population, ids, year), cells, by=by) if ids else {}
            summed = cube.rollup(per_org, owner)
        zero = dict.fromkeys(cells, 0)
        table = Table(code, title, [(k, lbl) for k, lbl, _q in columns])
        table.rows = [{"org": c, "label": c.name, "values": {**zero, **summed.get(c.pk, {})}} for c in children]
        if summed.get(root.pk):
            table.rows.append({"org": None, "label": f"{root.name}（本级）", "values": {**zero, **summed[root.pk]}})
        table.total = {k: sum(r["values"][k] for r in table.rows) for k in cells}
        out.append(table)
    return out


@dataclass
class Problem:
    member_id: int
    name: str
    org_name: str
    problems: list[str]


def validation_problems(root: Org, year: int, *, limit: int = 2000) -> tuple[list[Problem], int]:
    """Members counted in the tables whose records would fail the report's checks (fix before reporting)."""
    d = date(year, 12, 31)
    ids = cube.owners(root.pk, d).keys()
    if not ids:
        return [], 0
    checks = [
        (Q(member__education=""), "学历未填写"),
        (Q(member__occupation=""), "工作岗位未填写"),
        (Q(member__joined_on__isnull=True), "加入党组织日期未填写"),
        (Q(member__full_on__isnull=True, member__stage=Stage.FULL), "正式党员未填写转为正式党员日期"),
        (Q(member__full_on__isnull=False, member__joined_on__isnull=False, member__full_on__lte=F("member__joined_on")),
         "转为正式党员日期不晚于加入党组织日期"),
        (Q(member__ethnicity=""), "民族未填写"),
    ]  # fmt: skip
    bad = Q()
    for q, _msg in checks:
        bad |= q
    qs = cube.placed(ids, d).filter(bad)
    count = qs.count()
    out = []
    annotated = qs.select_related("member", "org").order_by("org__path", "member__name")[:limit]
    for placement in annotated:
        m = placement.member
        problems = [msg for q, msg in checks if _matches(m, msg)]
        out.append(Problem(m.pk, m.name, placement.org.name, problems))
    return out, count


def F_joined():
    from django.db.models import F

    return F("member__joined_on")


def _matches(m, msg: str) -> bool:
    return {
        "学历未填写": not m.education,
        "工作岗位未填写": not m.occupation,
        "加入党组织日期未填写": m.joined_on is None,
        "正式党员未填写转为正式党员日期": m.full_on is None and m.stage == Stage.FULL,
        "转为正式党员日期不晚于加入党组织日期": bool(m.full_on and m.joined_on and m.full_on <= m.joined_on),
        "民族未填写": not m.ethnicity,
    }[msg]


def xlsx(root: Org, year: int, tables_: list[Table], problems: list[Problem], problem_count: int) -> bytes:
    """The tables in the usual layout: one sheet per table (title, 填报单位 and 统计时间, a header row, the 合计
    row, one row per child), and a sheet listing the records that fail validation."""
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    title_fmt = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = book.add_format({"bold": True, "border": 1, "text_wrap": True, "align": "center", "valign": "vcenter"})
    cell = book.add_format({"border": 1})
    bold = book.add_format({"border": 1, "bold": True})
    for t in tables_:
        sheet = book.add_worksheet(t.title[:31])
        width = len(t.columns) + 1
        sheet.merge_range(0, 0, 0, width - 1, f"{t.title}（{year}年）", title_fmt)
        sheet.write(1, 0, f"填报单位：{root.name}")
        sheet.write(1, max(width - 2, 1), f"统计时间：{year}年12月31日")
        sheet.set_column(0, 0, 32)
        sheet.set_column(1, width - 1, 11)
        sheet.write(2, 0, "党组织", head)
        for j, (_k, label) in enumerate(t.columns, start=1):
            sheet.write(2, j, label, head)
        if not t.connected:
            sheet.write(3, 0, t.note)
            continue
        sheet.write(3, 0, "合计", bold)
        for j, (k, _label) in enumerate(t.columns, start=1):
            sheet.write_number(3, j, t.total[k], bold)
        for i, row in enumerate(t.rows, start=4):
            sheet.write(i, 0, row["label"], cell)
            for j, (k, _label) in enumerate(t.columns, start=1):
                sheet.write_number(i, j, row["values"][k], cell)
        sheet.freeze_panes(3, 1)
    sheet = book.add_worksheet("校验问题")
    sheet.write_row(0, 0, ["党组织", "姓名", "问题"], head)
    sheet.set_column(0, 0, 32)
    sheet.set_column(2, 2, 60)
    for i, p in enumerate(problems, start=1):
        sheet.write_row(i, 0, [p.org_name, p.name, "；".join(p.problems)])
    if problem_count > len(problems):
        sheet.write(len(problems) + 1, 0, f"另有{problem_count - len(problems)}条未列出")
    book.close()
    return buf.getvalue()
