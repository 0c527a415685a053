"""Every change of points data: the catalogue (rule sets from templates, new versions, items), manual entries
with evidence and their approval by the branch, exclusions. Automatic accrual lives in `accrual.py`.

Each action checks its permission over the org path, validates through `points.rules`, writes in one
transaction, re-checks scope and records one audit event (ids and scores, no personal data).
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import restrict, user_may_act_on_path
from dangjian.members.models import Member
from dangjian.orgs.models import Org
from dangjian.points import rules
from dangjian.points.catalogue import Catalogue
from dangjian.points.models import (
    EntryStatus,
    PioneerKind,
    PioneerMember,
    PioneerPost,
    PioneerRecord,
    PointEntry,
    PointExclusion,
    PointItem,
    PointRuleSet,
)

VIEW = "points.view_pointentry"
ENTER = "points.change_pointentry"
APPROVE = "points.approve_pointentry"
RULES_VIEW = "points.view_pointruleset"
RULES_CHANGE = "points.change_pointruleset"
MANUAL_SOURCES = ("manual", "volunteer")


def _today() -> date:
    return timezone.localdate()


def _require(actor, perm: str, path: str) -> None:
    if actor is not None and not user_may_act_on_path(actor, perm, path):
        raise OutOfScope()


def _who(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _decimal(value, field: str, label: str) -> Decimal:
    try:
        return Decimal(str(value)).quantize(rules.STEP)
    except (InvalidOperation, ValueError):
        raise RuleViolation("PTS-DATA", f"{label}不是有效的数字：{value}", field=field) from None


def _bands(bands) -> list[list]:
    bands = bands if bands is not None else [[str(lo), s] for lo, s in rules.DEFAULT_STAR_BANDS]
    problem = rules.bands_problem(bands)
    if problem:
        raise RuleViolation("PTS-STAR", problem, field="star_bands")
    return sorted(([str(Decimal(str(lo))), int(s)] for lo, s in bands), key=lambda b: Decimal(b[0]), reverse=True)


# -------------------------------------------------------------------------------------- catalogue


def create_rule_set(
    org: Org, *, actor, template: str, effective_from: date, name: str = "", star_bands=None
) -> PointRuleSet:
    """Copy one of the §6 templates into `org`'s catalogue, in force for its subtree from `effective_from`."""
    _require(actor, RULES_CHANGE, org.path)
    if template not in rules.TEMPLATES:
        raise RuleViolation("PTS-TPL", f"未知的积分模板：{template}", field="template")
    spec = rules.TEMPLATES[template]
    with transaction.atomic():
        if PointRuleSet.objects.filter(org=org, effective_from=effective_from).exists():
            raise RuleViolation("PTS-VER", "该党组织在这一天已有生效的积分规则", field="effective_from")
        rule_set = PointRuleSet.objects.create(
            org=org, name=name.strip() or spec["name"], template=template, effective_from=effective_from,
            base_score=Decimal(spec["base"]), floor=Decimal(spec["floor"]) if spec["floor"] is not None else None,
            ceiling=Decimal(spec["ceiling"]) if spec["ceiling"] is not None else None,
            yearly_reset=spec["yearly_reset"], star_bands=_bands(star_bands), created_by=_who(actor),
        )  # fmt: skip
        PointItem.objects.bulk_create(
            PointItem(
                rule_set=rule_set, code=i["code"], label=i["label"], source=i["source"],
                meeting_kind=i["meeting_kind"], points=i["points"], cap=i["cap"], is_veto=i["is_veto"],
                order=i["order"],
            )
            for i in rules.template_items(template)
        )  # fmt: skip
        audit.record("points.ruleset.create", actor=actor, obj=rule_set, org_path=org.path,
                     after={"template": template, "effective_from": effective_from})  # fmt: skip
    return rule_set


def new_version(rule_set: PointRuleSet, *, actor, effective_from: date, **changes) -> PointRuleSet:
    """A new version of a rule set from `effective_from` (later than the current one): items copied, then
    `changes` (base_score, floor, ceiling, yearly_reset, star_bands, name) applied. Earlier points stay."""
    _require(actor, RULES_CHANGE, rule_set.org.path)
    if effective_from <= rule_set.effective_from:
        raise RuleViolation("PTS-VER", "新版本的生效日期须晚于现行版本", field="effective_from")
    with transaction.atomic():
        if PointRuleSet.objects.filter(org=rule_set.org, effective_from=effective_from).exists():
            raise RuleViolation("PTS-VER", "该党组织在这一天已有生效的积分规则", field="effective_from")
        old_items = list(rule_set.items.all())
        new = PointRuleSet.objects.create(
            org=rule_set.org, name=rule_set.name, template=rule_set.template, effective_from=effective_from,
            base_score=rule_set.base_score, floor=rule_set.floor, ceiling=rule_set.ceiling,
            yearly_reset=rule_set.yearly_reset, star_bands=rule_set.star_bands, previous=rule_set,
            created_by=_who(actor),
        )  # fmt: skip
        PointItem.objects.bulk_create(
            PointItem(rule_set=new, code=i.code, label=i.label, source=i.source, meeting_kind=i.meeting_kind,
                      points=i.points, cap=i.cap, is_veto=i.is_veto, order=i.order)
            for i in old_items
        )  # fmt: skip
        audit.record("points.ruleset.version", actor=actor, obj=new, org_path=rule_set.org.path,
                     after={"previous": rule_set.pk, "effective_from": effective_from})  # fmt: skip
    if changes:
        new = update_rule_set(new, actor=actor, expected_version=new.version, **changes)
    return new


def _has_entries(rule_set: PointRuleSet) -> bool:
    return PointEntry.objects.filter(item__rule_set=rule_set).exists()


REWRITE = "该版本积分规则已有积分记录，修改会改变已产生的积分；请从生效日期起建立新版本"


def update_rule_set(rule_set: PointRuleSet, *, actor, expected_version: int, **changes) -> PointRuleSet:
    """Edit a rule set. Score-changing fields are refused once points exist under it (a new version from an
    effective date instead); the name and the star bands (a presentation of scores) may always change."""
    _require(actor, RULES_CHANGE, rule_set.org.path)
    allowed = {"name", "base_score", "floor", "ceiling", "yearly_reset", "star_bands"}
    unknown = set(changes) - allowed
    if unknown:
        raise RuleViolation("PTS-DATA", f"不能修改：{', '.join(sorted(unknown))}")
    with transaction.atomic():
        locked = PointRuleSet.objects.select_for_update().select_related("org").get(pk=rule_set.pk)
        if locked.version != expected_version:
            raise ConcurrentEdit()
        before = {k: getattr(locked, k) for k in changes}
        scoring = {k for k in changes if k in ("base_score", "floor", "ceiling", "yearly_reset")}
        if any(changes[k] != getattr(locked, k) for k in scoring) and _has_entries(locked):
            raise RuleViolation("PTS-VER", REWRITE)
        for key, value in changes.items():
            if key == "star_bands":
                value = _bands(value)
            elif key in ("base_score", "floor", "ceiling") and value is not None:
                value = _decimal(value, key, "分数")
            elif key == "name":
                value = str(value).strip() or locked.name
            setattr(locked, key, value)
        locked.version += 1
        locked.save()
        audit.record("points.ruleset.update", actor=actor, obj=locked, org_path=locked.org.path,
                     before=before, after={k: getattr(locked, k) for k in changes})  # fmt: skip
    return locked


def save_item(
    rule_set: PointRuleSet, *, actor, code: str, label: str, source: str, points, cap=None, is_veto: bool = False,
    meeting_kind: str = "", item: PointItem | None = None,
) -> PointItem:  # fmt: skip
    """Add an item to a rule set, or change one that has no points yet (otherwise: a new version)."""
    _require(actor, RULES_CHANGE, rule_set.org.path)
    if source not in rules.SOURCES:
        raise RuleViolation("PTS-DATA", f"未知的积分来源：{source}", field="source")
    if not label.strip():
        raise RuleViolation("PTS-DATA", "请填写积分项目名称", field="label")
    points = _decimal(points, "points", "分值")
    cap = _decimal(cap, "cap", "上限") if cap not in (None, "") else None
    if cap is not None and cap <= 0:
        raise RuleViolation("PTS-DATA", "每年累计上限须大于0；不设上限请留空", field="cap")
    with transaction.atomic():
        if item is not None:
            item = PointItem.objects.select_for_update().get(pk=item.pk, rule_set=rule_set)
            if item.entries.exists() and (item.points != points or item.cap != cap or item.is_veto != is_veto
                                          or item.source != source):  # fmt: skip
                raise RuleViolation("PTS-VER", REWRITE)
        else:
            if PointItem.objects.filter(rule_set=rule_set, code=code).exists():
                raise RuleViolation("PTS-DATA", f"代码“{code}”已存在", field="code")
            item = PointItem(rule_set=rule_set, code=code, order=rule_set.items.count())
        item.label, item.source, item.points, item.cap = label.strip(), source, points, cap
        item.is_veto, item.meeting_kind = is_veto, meeting_kind
        item.save()
        audit.record("points.item.save", actor=actor, obj=item, org_path=rule_set.org.path,
                     after={"rule_set": rule_set.pk, "code": item.code, "points": points, "cap": cap,
                            "is_veto": is_veto})  # fmt: skip
    return item


# ---------------------------------------------------------------------------- manual entries


def enter_points(member: Member, item: PointItem, *, actor, occurred_on: date, evidence: str, quantity=1) -> PointEntry:
    """Enter a manual or volunteer item (commendation, commitment kept or not, pioneer-post duty, veto…) with
    its evidence; it counts once the branch approves it."""
    _require(actor, ENTER, member.org.path)
    if item.source not in MANUAL_SOURCES:
        raise RuleViolation("PTS-SRC", "该项目由系统根据组织生活、党费等记录自动计分，不能手工登记", field="item")
    if occurred_on > _today():
        raise RuleViolation("PTS-DATA", "发生日期不能晚于今天", field="occurred_on")
    if not evidence.strip():
        raise RuleViolation("PTS-EVID", "请填写证明材料（文件、表彰决定、服务记录等）", field="evidence")
    quantity = _decimal(quantity, "quantity", "数量")
    if quantity <= 0:
        raise RuleViolation("PTS-DATA", "数量须大于0", field="quantity")
    in_force = Catalogue().rule_set(member.org.path, occurred_on)
    if in_force is None or item.rule_set_id != in_force.pk:
        raise RuleViolation("PTS-VER", "该项目不属于发生日期适用的积分规则", field="item")
    with transaction.atomic():
        entry = PointEntry.objects.create(
            member=member, org=member.org, item=item, points=(item.points * quantity).quantize(rules.STEP),
            quantity=quantity, occurred_on=occurred_on, source_type="evidence", source_id=uuid.uuid4().hex,
            evidence=evidence.strip(), status=EntryStatus.PENDING, created_by=_who(actor),
        )  # fmt: skip
        if actor is not None and not restrict(PointEntry.objects.filter(pk=entry.pk), actor, ENTER).exists():
            raise OutOfScope()
        audit.record("points.entry.enter", actor=actor, obj=entry, org_path=member.org.path,
                     after={"member_id": member.pk, "item": item.code, "points": entry.points,
                            "occurred_on": occurred_on})  # fmt: skip
    return entry


def review_entry(entry: PointEntry, *, actor, approve: bool, expected_version: int | None = None) -> PointEntry:
    """The branch approves or refuses an entered item. Whoever entered it may not approve it."""
    _require(actor, APPROVE, entry.org.path)
    with transaction.atomic():
        locked = PointEntry.objects.select_for_update().select_related("org").get(pk=entry.pk)
        if expected_version is not None and locked.version != expected_version:
            raise ConcurrentEdit()
        if locked.status != EntryStatus.PENDING:
            raise RuleViolation("PTS-REV", f"该积分记录已{locked.get_status_display()}，不能重复审核")
        if actor is not None and locked.created_by_id == getattr(actor, "pk", None):
            raise RuleViolation("PTS-REV", "登记人不能审核本人登记的积分，请由支部其他负责人审核")
        locked.status = EntryStatus.APPROVED if approve else EntryStatus.REJECTED
        locked.approved_by, locked.approved_at = _who(actor), timezone.now()
        locked.version += 1
        locked.save()
        audit.record("points.entry.review", actor=actor, obj=locked, org_path=locked.org.path,
                     after={"status": locked.status, "points": locked.points})  # fmt: skip
    return locked


def exclude_member(member: Member, *, actor, year: int, reason: str, decision_reference: str) -> PointExclusion:
    """§6 exclusions: the branch decides that an elderly (≥70), bedridden or long-term mobile member is not
    scored for `year`."""
    _require(actor, APPROVE, member.org.path)
    problem = rules.exclusion_problem(reason, member.birth_date, year)
    if problem:
        raise RuleViolation("PTS-EXCL", problem, field="reason")
    if not decision_reference.strip():
        raise RuleViolation("PTS-EXCL", "请填写支部决定的会议或记录", field="decision_reference")
    with transaction.atomic():
        exclusion, _ = PointExclusion.objects.update_or_create(
            member=member, year=year,
            defaults={"reason": reason, "decision_reference": decision_reference.strip(), "decided_by": _who(actor)},
        )  # fmt: skip
        audit.record("points.exclusion", actor=actor, obj=exclusion, org_path=member.org.path,
                     after={"member_id": member.pk, "year": year, "reason": reason})  # fmt: skip
    return exclusion


# ---------------------------------------------------------------------- EDU-06 pioneer posts


def create_post(org: Org, *, actor, kind: str, name: str, started_on: date, duty: str = "") -> PioneerPost:
    """EDU-06: set up a 示范岗/先锋岗, 责任区, volunteer team or pioneer project (设岗定责)."""
    _require(actor, ENTER, org.path)
    if kind not in PioneerKind.values:
        raise RuleViolation("EDU-06", f"未知的类别：{kind}", field="kind")
    if not name.strip():
        raise RuleViolation("EDU-06", "请填写名称", field="name")
    with transaction.atomic():
        post = PioneerPost.objects.create(org=org, kind=kind, name=name.strip(), duty=duty.strip(),
                                          started_on=started_on)  # fmt: skip
        audit.record("points.pioneer.create", actor=actor, obj=post, org_path=org.path,
                     after={"kind": kind, "name": post.name})  # fmt: skip
    return post


def assign_pioneer(post: PioneerPost, member: Member, *, actor, role: str = "", since: date | None = None):
    """Put a member of the post's org (or its subtree) on the post."""
    _require(actor, ENTER, post.org.path)
    if not member.org.path.startswith(post.org.path):
        raise RuleViolation("EDU-06", "只能安排本组织及所辖党组织的党员", field="member")
    with transaction.atomic():
        row, _ = PioneerMember.objects.update_or_create(
            post=post, member=member, defaults={"role": role.strip(), "since": since or _today()}
        )
        audit.record("points.pioneer.assign", actor=actor, obj=post, org_path=post.org.path,
                     after={"member_id": member.pk, "role": row.role})  # fmt: skip
    return row


def record_duty(post: PioneerPost, member: Member, *, actor, occurred_on: date, content: str,
                for_points: bool = False) -> PioneerRecord:  # fmt: skip
    """A record of a member's duty on the post; with `for_points` it is also entered as a pending 先锋岗履职
    point entry (the branch approves it like any other)."""
    _require(actor, ENTER, post.org.path)
    if not PioneerMember.objects.filter(post=post, member=member).exists():
        raise RuleViolation("EDU-06", "该党员不在本岗位", field="member")
    if not content.strip():
        raise RuleViolation("EDU-06", "请填写履职情况", field="content")
    with transaction.atomic():
        entry = None
        if for_points:
            rule_set = Catalogue().rule_set(member.org.path, occurred_on)
            item = PointItem.objects.filter(rule_set=rule_set, code="pioneer_duty").first() if rule_set else None
            if item is None:
                raise RuleViolation("PTS-VER", "适用的积分规则中没有“先锋岗履职”项目", field="for_points")
            entry = enter_points(member, item, actor=actor, occurred_on=occurred_on,
                                 evidence=f"{post.get_kind_display()}「{post.name}」：{content.strip()}")  # fmt: skip
        record = PioneerRecord.objects.create(post=post, member=member, occurred_on=occurred_on,
                                              content=content.strip(), point_entry=entry)  # fmt: skip
        audit.record(
            "points.pioneer.record",
            actor=actor,
            obj=record,
            org_path=post.org.path,
            after={"post": post.pk, "member_id": member.pk, "point_entry": entry.pk if entry else None},
        )
    return record
