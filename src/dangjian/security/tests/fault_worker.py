"""Run in a child process by test_faults.py (not collected by pytest): phases of the FLT-01 drill
against a real SQLite file, so that the import worker can really be killed with SIGKILL."""

import json
import os
import signal
import sys
from datetime import date
from pathlib import Path


def main(phase: str, arg: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    os.environ["DANGJIAN_TASKS"] = "immediate"
    import django

    django.setup()
    from django.core.management import call_command

    from dangjian.accounts.models import User
    from dangjian.core import tasks
    from dangjian.core.models import Job
    from dangjian.members import importer
    from dangjian.members.models import ImportBatch, Member

    if phase == "setup":
        call_command("migrate", verbosity=0)
        from dangjian.demo.personas import ensure_personas
        from dangjian.members.tests.test_import import person, write_xlsx
        from dangjian.orgs import actions

        tree = [
            ("county", None, "中共测试县委员会", "local_committee", "government"),
            ("town", "county", "中共东山镇委员会", "committee", "rural"),
            ("village", "town", "柳树村党支部", "branch", "rural"),
        ]
        specs = [
            {
                "key": k,
                "parent_key": p,
                "name": n,
                "kind": kind,
                "sector": sector,
                "code": f"T{i:04d}",
                "established_on": date(2000, 1, 1),
                "sort_order": i,
            }
            for i, (k, p, n, kind, sector) in enumerate(tree)
        ]
        ids = actions.bulk_create_tree(specs, actor=None)
        from dangjian.orgs.models import Org

        ensure_personas(Org.objects.get(pk=ids["county"]), is_demo=False)
        from datetime import timedelta

        from dangjian.members import rules

        rows = []
        for i in range(int(arg)):
            birth = date(1950, 1, 1) + timedelta(days=i // 99)
            number = rules.synthetic_id_number("371302", birth, i % 99 + 1, "male")
            rows.append(person(i % 99 + 1, **{"姓名": f"导入人{i}", "出生日期": birth, "公民身份号码": number}))
        path = write_xlsx(Path(os.environ["DANGJIAN_DATA_DIR"]) / "roster.xlsx", rows)
        user = User.objects.get(username="county_admin")
        batch = importer.open_batch(path, filename="roster.xlsx", user=user)
        importer.run_preview(batch, user=user)
        print(json.dumps({"batch": batch.pk}))
    elif phase in ("commit", "commit-and-die"):
        batch = ImportBatch.objects.get(pk=int(arg))
        user = User.objects.get(username="county_admin")
        if phase == "commit-and-die":
            original = tasks.Progress.report

            def report(self, done, total, phase_label="", *, force=False):
                original(self, done, total, phase_label, force=True)
                if phase_label == "正在写入" and total and done >= total // 2:
                    os.kill(os.getpid(), signal.SIGKILL)  # the worker dies mid-commit

            tasks.Progress.report = report
        job = tasks.start(
            "member_import_commit",
            "导入",
            "dangjian.members.importer.commit_job",
            user=user,
            params={"batch": batch.pk, "user": user.pk},
        )
        print(json.dumps({"job": job.pk, "status": job.status}))
    elif phase == "state":
        batch = ImportBatch.objects.get(pk=int(arg))
        jobs = list(Job.objects.values_list("status", flat=True))
        print(json.dumps({"members": Member.objects.count(), "batch": batch.status, "jobs": jobs}))
    elif phase == "reap":
        from dangjian.security.reliability import reap_interrupted_jobs

        print(json.dumps({"reaped": reap_interrupted_jobs(all_running=True)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")
