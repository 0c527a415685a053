"""Every change to the organization tree: create, update, move, dissolve, terms and officers.

Each action checks the actor's scope, changes data in one transaction, re-reads the result through
the actor's restricted queryset (rolling back when it left their scope) and writes an audit event.
`actor=None` means a trusted operator process (management commands, the demo generator).
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.errors import ConcurrentEdit, OutOfScope, RuleViolation
from dangjian.core.scope import restrict, user_may_act_on_path
from dangjian.core.text import initials
from dangjian.core.tree import child_path, depth_of
from dangjian.orgs import rules
from dangjian.orgs.models import CommitteeTerm, Org, OrgEdge, OrgKind, OrgOfficer, OrgRole, Sector

EDITABLE_FIELDS = (
    "name",
    "short_name",
    "kind",
    "sector",
    "code",
    "unit_name",
    "unit_category",
    "unit_credit_code",
    "established_on",
    "sort_order",
)


def _today() -> date:
    return timezone.localdate()


def snapshot(org: Org) -> dict:
    return {
        "name": org.name,
        "short_name": org.short_name,
        "kind": org.kind,
        "sector": org.sector,
        "code": org.code,
        "unit_name": org.unit_name,
        "unit_category": org.unit_category,
        "unit_credit_code": org.unit_credit_code,
        "established_on": org.established_on,
        "dissolved_on": org.dissolved_on,
        "sort_order": org.sort_order,
        "parent_id": org.parent_id,
        "path": org.path,
    }


def _require(actor, perm: str, path: str) -> None:
    if actor is not None and not user_may_act_on_path(actor, perm, path):
        raise OutOfScope()


def _verify_in_scope(actor, org_id: int, action: str) -> None:
    if actor is not None and not restrict(Org.objects.all(), actor, action).filter(pk=org_id).exists():
        raise OutOfScope()


def _check_kind(parent: Org | None, kind: str) -> None:
    if kind not in OrgKind.values:
        raise RuleViolation("ORG-KIND", f"组织类别「{kind}」无效", field="kind")
    if parent is not None and not rules.child_kind_allowed(parent.kind, kind):
        raise RuleViolation(
            "TREE-KIND",
            f"「{parent.get_kind_display()}」下不能设立「{OrgKind(kind).label}」",
            field="kind",
        )


def _check_unique(*, code: str, name: str, parent: Org | None, exclude_pk: int | None = None) -> None:
    if Org.objects.filter(code=code).exclude(pk=exclude_pk).exists():
        raise RuleViolation("ORG-CODE", f"组织代码「{code}」已被使用", field="code")
    siblings = Org.objects.active().filter(parent=parent, name=name).exclude(pk=exclude_pk)
    if siblings.exists():
        raise RuleViolation("ORG-NAME", f"同一上级下已有名为「{name}」的党组织", field="name")


def create_org(
    parent: Org | None,
    *,
    actor,
    name: str,
    kind: str,
    code: str,
    established_on: date | None = None,
    sector: str = Sector.OTHER,
    **fields,
) -> Org:
    """Create an org under `parent` (None: a new root, for operators only)."""
    name = name.strip()
    code = code.strip()
    if not name:
        raise RuleViolation("ORG-NAME", "名称不能为空", field="name")
    if not code:
        raise RuleViolation("ORG-CODE", "组织代码不能为空", field="code")
    if parent is None and actor is not None:
        raise OutOfScope("只有系统运维人员可以创建根党组织。")
    if parent is not None:
        if parent.is_dissolved:
            raise RuleViolation("TREE-DISSOLVED", f"上级党组织「{parent.name}」已撤销", field="parent")
        _require(actor, "orgs.add_org", parent.path)
    _check_kind(parent, kind)
    if sector not in Sector.values:
        raise RuleViolation("ORG-SECTOR", f"所在领域「{sector}」无效", field="sector")
    established_on = established_on or _today()
    if parent is not None and established_on < parent.established_on:
        raise RuleViolation("TREE-DATES", "成立日期不能早于上级党组织的成立日期", field="established_on")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown org fields: {sorted(unknown)}")
    with transaction.atomic():
        _check_unique(code=code, name=name, parent=parent)
        org = Org(
            parent=parent,
            name=name,
            name_initials=initials(name),
            kind=kind,
            sector=sector,
            code=code,
            established_on=established_on,
            path=f"tmp-{code}"[:255],
            depth=0 if parent is None else parent.depth + 1,
            **fields,
        )
        try:
            org.save(force_insert=True)
        except IntegrityError as exc:
            raise RuleViolation("ORG-UNIQUE", "名称或组织代码与现有党组织重复") from exc
        org.path = child_path(parent.path if parent else "", org.pk)
        Org.objects.filter(pk=org.pk).update(path=org.path)
        OrgEdge.objects.create(org=org, parent=parent, valid_from=established_on)
        _verify_in_scope(actor, org.pk, "add")
        audit.record("org.create", actor=actor, obj=org, org_path=org.path, after=snapshot(org))
    return org


def update_org(org: Org, *, actor, expected_version: int | None = None, **changes) -> Org:
    """Edit an org's own facts (rename, code, kind…). Moving and dissolving have their own actions."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown org fields: {sorted(unknown)}")
    _require(actor, "orgs.change_org", org.path)
    if org.is_dissolved:
        raise RuleViolation("TREE-DISSOLVED", "已撤销的党组织不能修改")
    before = snapshot(org)
    for key, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(org, key, value)
    if not org.name:
        raise RuleViolation("ORG-NAME", "名称不能为空", field="name")
    if "kind" in changes:
        _check_kind(org.parent, org.kind)
        child_kinds = set(Org.objects.active().filter(parent=org).values_list("kind", flat=True))
        if any(not rules.child_kind_allowed(org.kind, k) for k in child_kinds):
            raise RuleViolation("TREE-KIND", "该党组织的下级组织与新的组织类别不相容", field="kind")
    if "sector" in changes and org.sector not in Sector.values:
        raise RuleViolation("ORG-SECTOR", f"所在领域「{org.sector}」无效", field="sector")
    org.name_initials = initials(org.name)
    version = expected_version if expected_version is not None else org.version
    with transaction.atomic():
        _check_unique(code=org.code, name=org.name, parent=org.parent, exclude_pk=org.pk)
        values = {key: getattr(org, key) for key in changes}
        values["name_initials"] = org.name_initials
        updated = Org.objects.filter(pk=org.pk, version=version).update(version=F("version") + 1, **values)
        if not updated:
            raise ConcurrentEdit()
        org.version = version + 1
        _verify_in_scope(actor, org.pk, "change")
        after = snapshot(org)
        audit.record(
            "org.update",
            actor=actor,
            obj=org,
            org_path=org.path,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    return org


def move_org(org: Org, new_parent: Org, *, actor, on: date | None = None, expected_version: int | None = None) -> Org:
    """Place `org` and its whole subtree under `new_parent`: one UPDATE of the subtree's path prefix."""
    on = on or _today()
    _require(actor, "orgs.move_org", org.path)
    _require(actor, "orgs.move_org", new_parent.path)
    if org.is_dissolved or new_parent.is_dissolved:
        raise RuleViolation("TREE-DISSOLVED", "已撤销的党组织不能调整隶属关系")
    if new_parent.path.startswith(org.path):
        raise RuleViolation("TREE-CYCLE", "不能把党组织调整到它自己或它的下级组织之下", field="parent")
    if new_parent.pk == org.parent_id:
        raise RuleViolation("TREE-SAME", "新的上级党组织与原上级相同", field="parent")
    _check_kind(new_parent, org.kind)
    version = expected_version if expected_version is not None else org.version
    with transaction.atomic():
        # Lock the rows involved and re-read the paths inside the transaction.
        locked = {o.pk: o for o in Org.objects.select_for_update().filter(pk__in=[org.pk, new_parent.pk])}
        current, target = locked[org.pk], locked[new_parent.pk]
        if current.version != version:
            raise ConcurrentEdit()
        if target.path.startswith(current.path):
            raise RuleViolation("TREE-CYCLE", "不能把党组织调整到它自己或它的下级组织之下", field="parent")
        _check_unique(code=current.code, name=current.name, parent=target, exclude_pk=current.pk)
        old_prefix = current.path
        new_prefix = child_path(target.path, current.pk)
        delta = depth_of(new_prefix) - depth_of(old_prefix)
        before = {"parent_id": current.parent_id, "path": old_prefix}
        Org.objects.filter(path__in_subtree=old_prefix).update(
            path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1)),
            depth=F("depth") + delta,
        )
        Org.objects.filter(pk=current.pk).update(parent=target, version=F("version") + 1)
        OrgEdge.objects.filter(org=current, valid_to__isnull=True).update(valid_to=on)
        OrgEdge.objects.create(org=current, parent=target, valid_from=on)
        _verify_in_scope(actor, current.pk, "move")
        org.parent, org.path, org.depth, org.version = target, new_prefix, depth_of(new_prefix), version + 1
        audit.record(
            "org.move",
            actor=actor,
            obj=org,
            org_path=new_prefix,
            before=before,
            after={"parent_id": target.pk, "path": new_prefix, "on": on},
        )
    return org


def dissolve_org(
    org: Org, *, actor, on: date | None = None, reason: str = "", expected_version: int | None = None
) -> Org:
    """Dissolve an org that has no members and no active sub-organizations left."""
    on = on or _today()
    _require(actor, "orgs.dissolve_org", org.path)
    if org.is_dissolved:
        raise RuleViolation("TREE-DISSOLVED", "该党组织已撤销")
    if on < org.established_on:
        raise RuleViolation("TREE-DATES", "撤销日期不能早于成立日期", field="dissolved_on")
    version = expected_version if expected_version is not None else org.version
    with transaction.atomic():
        if Org.objects.active().filter(parent=org).exists():
            raise RuleViolation("TREE-CHILDREN", "该党组织还有下级党组织，请先调整或撤销下级组织")
        if Org.objects.filter(pk=org.pk).values_list("member_count", flat=True).first():
            raise RuleViolation("TREE-MEMBERS", "该党组织还有党员，请先转出党员组织关系")
        updated = Org.objects.filter(pk=org.pk, version=version).update(dissolved_on=on, version=F("version") + 1)
        if not updated:
            raise ConcurrentEdit()
        OrgEdge.objects.filter(org=org, valid_to__isnull=True).update(valid_to=on)
        org.dissolved_on, org.version = on, version + 1
        audit.record(
            "org.dissolve", actor=actor, obj=org, org_path=org.path, after={"dissolved_on": on, "reason": reason}
        )
    return org


def start_term(org: Org, *, actor, elected_on: date, has_committee: bool = True, note: str = "") -> CommitteeTerm:
    """Record an election: a new term whose end follows ORG-09 for the org's kind and sector."""
    _require(actor, "orgs.change_org", org.path)
    ends_on = rules.term_end(org.kind, org.sector, elected_on)
    with transaction.atomic():
        term = CommitteeTerm.objects.create(
            org=org, elected_on=elected_on, ends_on=ends_on, has_committee=has_committee, note=note
        )
        audit.record(
            "org.term.start",
            actor=actor,
            obj=term,
            org_path=org.path,
            after={"elected_on": elected_on, "ends_on": ends_on, "has_committee": has_committee},
        )
    return term


def appoint_officer(
    org: Org, *, actor, role: str, name: str, starts_on: date, term: CommitteeTerm | None = None
) -> OrgOfficer:
    _require(actor, "orgs.change_org", org.path)
    with transaction.atomic():
        if role == OrgRole.SECRETARY:
            OrgOfficer.objects.filter(org=org, role=role, ends_on__isnull=True).update(ends_on=starts_on)
        officer = OrgOfficer.objects.create(org=org, role=role, name=name.strip(), starts_on=starts_on, term=term)
        audit.record(
            "org.officer.appoint", actor=actor, obj=officer, org_path=org.path, after={"role": role, "name": name}
        )
    return officer


def repair_tree(*, actor=None) -> int:
    """Rewrite the paths and depths that drifted from the parent links; returns how many were fixed."""
    from dangjian.orgs.queries import check_tree

    with transaction.atomic():
        drifts = check_tree()
        if not drifts:
            return 0
        # Two passes, so that a fixed path never collides with a stale one on the unique index.
        for d in drifts:
            Org.objects.filter(pk=d.org_id).update(path=f"fix-{d.org_id}")
        for d in drifts:
            Org.objects.filter(pk=d.org_id).update(path=d.expected_path, depth=d.expected_depth)
        audit.record(
            "org.tree.repair",
            actor=actor,
            object_type="orgs.org",
            object_repr=f"修复 {len(drifts)} 个党组织的路径",
            after={"fixed": [d.org_id for d in drifts[:1000]]},
        )
    return len(drifts)


def bulk_create_tree(specs: list[dict], *, actor=None, under: Org | None = None, batch_size: int = 2000) -> dict:
    """Create many orgs at once (demo data, imports): level by level with bulk inserts.

    Each spec has a unique ``key``, a ``parent_key`` (None: directly under `under`, or a root) and the
    org's fields (name, kind, sector, code, established_on, …). Returns key → org id. One audit event
    summarises the batch. Operator-only (actor None) or an actor holding orgs.add_org over `under`.
    """
    if actor is not None:
        if under is None:
            raise OutOfScope("只有系统运维人员可以批量创建根党组织。")
        _require(actor, "orgs.add_org", under.path)
    by_level: list[list[dict]] = []
    level_of: dict[str, int] = {}
    for spec in specs:  # specs come parents first
        parent_key = spec.get("parent_key")
        level = 0 if parent_key is None else level_of[parent_key] + 1
        level_of[spec["key"]] = level
        if level == len(by_level):
            by_level.append([])
        by_level[level].append(spec)
    ids: dict[str, int] = {}
    paths: dict[str, str] = {}
    base_path = under.path if under else ""
    base_depth = under.depth + 1 if under else 0
    with transaction.atomic():
        for level, level_specs in enumerate(by_level):
            objs = []
            for spec in level_specs:
                fields = {k: v for k, v in spec.items() if k not in ("key", "parent_key")}
                parent_key = spec.get("parent_key")
                objs.append(
                    Org(
                        parent_id=ids[parent_key] if parent_key is not None else (under.pk if under else None),
                        name_initials=initials(fields["name"]),
                        path=f"tmp-{spec['key']}"[:255],
                        depth=base_depth + level,
                        **fields,
                    )
                )
            created = Org.objects.bulk_create(objs, batch_size=batch_size)
            for spec, org in zip(level_specs, created, strict=True):
                ids[spec["key"]] = org.pk
                parent_key = spec.get("parent_key")
                org.path = child_path(paths[parent_key] if parent_key is not None else base_path, org.pk)
                paths[spec["key"]] = org.path
            Org.objects.bulk_update(created, ["path"], batch_size=batch_size)
            OrgEdge.objects.bulk_create(
                [OrgEdge(org_id=o.pk, parent_id=o.parent_id, valid_from=o.established_on) for o in created],
                batch_size=batch_size,
            )
        if actor is not None:
            visible = restrict(Org.objects.filter(pk__in=list(ids.values())), actor, "add").count()
            if visible != len(ids):
                raise OutOfScope()
        audit.record(
            "org.bulk_create",
            actor=actor,
            object_type="orgs.org",
            object_repr=f"批量创建 {len(ids)} 个党组织",
            org_path=base_path,
            after={"count": len(ids)},
        )
    return ids


def bulk_record_leadership(entries: list[dict], *, actor=None, batch_size: int = 2000) -> int:
    """Record terms and officers for many orgs at once (demo data, imports; operator only).

    Each entry: ``org`` (an Org with kind and sector), ``elected_on``, ``has_committee`` and
    ``officers`` as (role, name) pairs. Term ends follow ORG-09.
    """
    if actor is not None:
        raise OutOfScope("批量登记班子只能由系统运维人员执行。")
    with transaction.atomic():
        terms = CommitteeTerm.objects.bulk_create(
            [
                CommitteeTerm(
                    org_id=e["org"].pk,
                    elected_on=e["elected_on"],
                    ends_on=rules.term_end(e["org"].kind, e["org"].sector, e["elected_on"]),
                    has_committee=e["has_committee"],
                )
                for e in entries
            ],
            batch_size=batch_size,
        )
        officers = [
            OrgOfficer(org_id=e["org"].pk, term_id=term.pk, role=role, name=name, starts_on=e["elected_on"])
            for e, term in zip(entries, terms, strict=True)
            for role, name in e["officers"]
        ]
        OrgOfficer.objects.bulk_create(officers, batch_size=batch_size)
        audit.record(
            "org.term.bulk_start",
            actor=actor,
            object_type="orgs.committeeterm",
            object_repr=f"批量登记 {len(terms)} 个届次",
            after={"terms": len(terms), "officers": len(officers)},
        )
    return len(terms)
