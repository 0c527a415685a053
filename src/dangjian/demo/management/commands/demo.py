"""Build (or reuse) the demo database: the synthetic tree, leadership, persona accounts."""

import random
import time
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.models import Sum

from dangjian.demo import generator
from dangjian.demo.people import person_name
from dangjian.demo.personas import DEMO_PASSWORD, PERSONAS, ensure_personas


class Command(BaseCommand):
    help = "生成演示数据（确定性的虚构县、市或省）并创建演示账号"

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=["county", "city", "province"], default="county")
        parser.add_argument("--reset", action="store_true", help="清空数据库后重建")
        parser.add_argument("--seed", type=int, default=20260511)
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, size="county", reset=False, seed=20260511, quiet=False, **options):
        started = time.monotonic()
        if reset:
            self._reset()
        call_command("migrate", interactive=False, verbosity=0)
        from dangjian.orgs.models import Org

        tree = generator.build(size, seed)
        root_spec = tree.specs[0]
        root = Org.objects.filter(code=root_spec.code, parent__isnull=True).first()
        if root is not None and root.name != root_spec.name:
            raise CommandError("数据库中已有其它规模的演示数据；请加 --reset 重建。")
        if root is None:
            if Org.objects.exists():
                raise CommandError(
                    "数据库中已有非演示数据，拒绝写入演示数据。请使用单独的数据目录（DANGJIAN_DATA_DIR）。"
                )
            root = self._build(tree, seed, size)
            built = True
        else:
            built = False
        ensure_personas(root)
        if built:
            if size == "county":  # a year of meetings, then of dues and the points both accrue (issue 5, 6)
                from dangjian.demo import dues as dues_demo
                from dangjian.demo.orglife import build_orglife

                build_orglife(root, seed=seed + 4, today=date(2026, 11, 1))
                dues_demo.build(root, seed=seed, today=date(2026, 11, 1))
            from dangjian.demo import stats as demo_stats

            demo_stats.build()  # the statistics rollups of today and last 31 December, from all of the above
        elapsed = time.monotonic() - started
        if not quiet:
            self._print_summary(root, built, elapsed)

    def _reset(self):
        db = settings.DATABASES["default"]
        if db["ENGINE"].endswith("sqlite3"):
            connections.close_all()
            path = Path(db["NAME"])
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        elif "accounts_role" in connections["default"].introspection.table_names():  # else: a fresh database
            from dangjian.core.audit_guard import lifted_for_wipe

            with lifted_for_wipe():  # AU-03 triggers refuse TRUNCATE of the audit trail; the table owner may lift them
                call_command("flush", interactive=False, verbosity=0)
            from dangjian.accounts.models import Role
            from dangjian.accounts.roles import sync_builtin_roles

            sync_builtin_roles(Role)

    def _build(self, tree, seed, size):
        from dangjian.orgs import actions
        from dangjian.orgs.models import Org

        ids = actions.bulk_create_tree([s.as_dict() for s in tree.specs], actor=None)
        rng = random.Random(seed + 1)
        orgs = Org.objects.in_bulk(list(ids.values()))
        entries = []
        today = date(2026, 11, 1)
        for spec in tree.specs:
            org = orgs[ids[spec.key]]
            has_committee = org.kind != "branch" or spec.size_hint >= 7
            elected = today - timedelta(days=rng.randint(30, 5 * 365 + 200))
            officers = [("secretary", person_name(rng))]
            if has_committee:
                officers += [("organizing_member", person_name(rng)), ("propaganda_member", person_name(rng))]
                if org.kind != "branch" or spec.size_hint >= 20:
                    officers += [("deputy_secretary", person_name(rng)), ("discipline_member", person_name(rng))]
            entries.append({"org": org, "elected_on": elected, "has_committee": has_committee, "officers": officers})
        actions.bulk_record_leadership(entries, actor=None)
        self._members(tree, ids, orgs, seed, today, size)
        from dangjian.demo.recruitment import generate_recruitment

        generate_recruitment(today, seed)
        return orgs[ids[tree.specs[0].key]]

    def _members(self, tree, ids, orgs, seed, today, size):
        """The roster: members generated for the tree (national distributions), written in bulk batches."""
        from django.db import transaction

        from dangjian.core import audit
        from dangjian.demo.members import generate_members, target_total
        from dangjian.members.actions import bulk_add_members

        rows = generate_members(tree, seed=seed + 2, today=today, total=target_total(size))
        batch: list = []
        written = 0
        with transaction.atomic():
            for row in rows:
                org = orgs[ids[row.pop("org_key")]]
                batch.append((org, row))
                if len(batch) >= 20_000:
                    written += len(bulk_add_members(batch, actor=None))
                    batch = []
            if batch:
                written += len(bulk_add_members(batch, actor=None))
            audit.record("member.bulk_create", object_type="members.member", object_repr=f"演示数据：{written} 人")
        self._transfers(seed, today)

    def _transfers(self, seed, today):
        """Transfers through the real actions: accepted ones (placement history) and some still in flight."""
        from dangjian.members import transfer_actions
        from dangjian.members.models import Member
        from dangjian.orgs.models import Org

        rng = random.Random(seed + 3)
        branches = list(
            Org.objects.filter(kind="branch", member_count__gte=10).order_by("pk").values_list("pk", flat=True)
        )
        members = list(
            Member.objects.filter(stage="full", status="normal", is_lost_contact=False, is_mobile=False)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        chosen = rng.sample(members, 60)
        orgs = Org.objects.in_bulk(branches)
        reasons = ["工作调动", "居住地变更", "毕业分配", "单位改制"]
        for i, member_id in enumerate(chosen):
            member = Member.objects.select_related("org").get(pk=member_id)
            target = orgs[rng.choice([b for b in branches if b != member.org_id])]
            issued = today - timedelta(days=rng.randint(10, 700) if i < 40 else rng.randint(5, 150))
            transfer = transfer_actions.start_transfer(
                member, actor=None, to_org=target, reason=rng.choice(reasons), issued_on=issued
            )
            if i < 40:  # accepted: the member's placement history keeps both branches
                transfer_actions.accept_transfer(transfer, actor=None, on=issued + timedelta(days=rng.randint(1, 9)))
        for member_id in rng.sample([m for m in members if m not in chosen], 5):
            member = Member.objects.get(pk=member_id)
            transfer_actions.start_transfer(
                member, actor=None, to_org_name="中共江宁市某街道工作委员会", to_org_code="3201150001",
                reason="工作调动（市外）", issued_on=today - timedelta(days=rng.randint(5, 60)),
            )  # fmt: skip

    def _print_summary(self, root, built, elapsed):
        from dangjian.orgs.models import Org

        count = Org.objects.filter(path__in_subtree=root.path).count()
        verb = "已生成" if built else "已存在，直接使用"
        members = Org.objects.filter(path__in_subtree=root.path).aggregate(n=Sum("member_count"))["n"] or 0
        self.stdout.write(f"演示数据{verb}：{root.name}，共 {count} 个党组织、{members} 名党员（{elapsed:.1f} 秒）。")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for p in PERSONAS:
            self.stdout.write(f"  {p.username:<18} {p.display_name}  {p.title}")
