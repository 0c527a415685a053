#!/usr/bin/env python
"""Where the PostgreSQL commit of a roster import spends its time: the same commit, repeated on copies of one
database, with the server's CPU measured apart from Python's (a shared machine's load stretches wall times).

    DATABASE_URL=postgres://postgres@127.0.0.1:5499/dj_imp5 .venv/bin/python bench/import_commit_cpu.py \
        prepare --data-dir /tmp/imp5-data [--rows 200000]
    DATABASE_URL=… .venv/bin/python bench/import_commit_cpu.py run --data-dir /tmp/imp5-data \
        [--repeat 3] [--sql "DROP INDEX …"] [--perf /tmp/commit.perf]

`prepare` migrates the database, builds the demo county tree, writes the 200,000-row spreadsheet of
`bench/import_roster.py` (same generator, same seed) into the data dir, runs the preview job (the checked rows
are kept beside the upload, in the data dir) and then copies the database to `<name>_tpl` (the state just
before the commit). `run` makes, per repetition, a fresh copy `<name>_run` of that template (CREATE DATABASE …
TEMPLATE), applies `--sql` to it (a variant: an index dropped…), and runs `importer.commit` in a new process,
printing: wall time; Python CPU (user + system of the process); the server CPU of its backend (utime + stime
from /proc/<pid>/stat: the cluster runs on this machine); the wall time of each step (load of the checked
rows, re-checks, COPY of members and of placements, COMMIT with its deferred foreign-key checks, the
after-commit statistics refresh) and the load average. `--perf FILE` also records the backend with
`perf record -g` (root).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
TICK = os.sysconf("SC_CLK_TCK")


def db_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + name))


def db_name() -> str:
    return urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")


def admin_sql(sql: str) -> None:
    """Run `sql` outside a transaction on the maintenance database (CREATE / DROP DATABASE)."""
    import psycopg

    with psycopg.connect(db_url("postgres"), autocommit=True) as conn:
        for _attempt in range(30):
            try:
                conn.execute(sql)
                return
            except psycopg.errors.ObjectInUse:  # a connection not yet gone
                time.sleep(1)
        raise RuntimeError(f"could not run {sql!r}")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def setup(data_dir: str, database: str | None = None) -> None:
    os.environ["DANGJIAN_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "dangjian.settings"
    if database:
        os.environ["DATABASE_URL"] = db_url(database)
    import django

    django.setup()


def prepare(args) -> None:
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    setup(args.data_dir)
    sys.path.insert(0, str(HERE))
    import import_roster  # the spreadsheet writer of the main benchmark

    built = import_roster.build(argparse.Namespace(rows=args.rows, force=True, as_user=False))
    print("built", built)
    from django.db import connections

    from dangjian.members import importer

    path = Path(import_roster.xlsx_path())
    batch = importer.open_batch(path, filename="roster-import.xlsx", user=None)
    t0 = time.perf_counter()
    result = importer.run_preview(batch, user=None)
    print(f"preview job {time.perf_counter() - t0:.1f} s: {result.summary()} batch {batch.pk}")
    with connections["default"].cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    connections.close_all()
    admin_sql(f'DROP DATABASE IF EXISTS "{db_name()}_tpl"')
    admin_sql(f'CREATE DATABASE "{db_name()}_tpl" TEMPLATE "{db_name()}"')
    Path(args.data_dir, "batch").write_text(str(batch.pk))
    print(f"template {db_name()}_tpl ready")


def reseal(args) -> None:
    """Write the checked-rows file again with this checkout's code (the preview job's `seal`), from the template
    database (only read), and keep a copy as `--keep` (for `run --checked`: A/B runs of two code versions)."""
    import shutil

    setup(args.data_dir, f"{db_name()}_tpl")
    from dangjian.members import importer
    from dangjian.members.models import ImportBatch

    batch = ImportBatch.objects.get(pk=int(Path(args.data_dir, "batch").read_text()))
    t0 = time.perf_counter()
    importer.save_checked(batch, importer.seal(importer.preview(Path(batch.stored_file), user=None)))
    print(f"sealed again in {time.perf_counter() - t0:.1f} s")
    if args.keep:
        shutil.copyfile(importer.checked_path(batch), args.keep)


def stat_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def child(args) -> None:
    """One commit in this process, on the copy; prints a RESULT line."""
    setup(args.data_dir, f"{db_name()}_run")
    from django.db import connection

    from dangjian.members import actions, importer
    from dangjian.members.models import ImportBatch

    steps: dict[str, float] = {}

    @contextmanager
    def timed(name):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            steps[name] = steps.get(name, 0.0) + time.perf_counter() - t0

    def wrap(owner, attr, name):
        original = getattr(owner, attr)

        def wrapper(*a, **kw):
            with timed(name):
                return original(*a, **kw)

        setattr(owner, attr, wrapper)

    wrap(importer, "load_checked", "load checked rows")
    wrap(importer, "unchanged_since_preview", "re-checks")
    wrap(importer, "insert_prepared", "COPY members + placements")
    wrap(importer, "_list_created", "list on batch")
    wrap(actions, "recount", "recount orgs")
    from dangjian.stats import rollups

    wrap(rollups, "refresh_orgs", "stats refresh (after COMMIT)")
    connection.ensure_connection()
    wrap(connection.connection, "commit", "COMMIT (deferred FK checks)")
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    perf = None
    if args.perf:
        perf = subprocess.Popen(
            ["perf", "record", "-q", "-g", "-F", "499", "-p", str(pid), "-o", args.perf],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)
    batch = ImportBatch.objects.get(pk=int(Path(args.data_dir, "batch").read_text()))
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    server0, py0, t0 = stat_cpu(pid), time.process_time(), time.perf_counter()
    written = importer.commit(batch, user=None)
    wall, py, server = time.perf_counter() - t0, time.process_time() - py0, stat_cpu(pid) - server0
    if profiler:
        import pstats

        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
    if perf:
        perf.send_signal(signal.SIGINT)
        perf.wait()
    out = {
        "wall": wall,
        "python_cpu": py,
        "server_cpu": server,
        "steps": steps,
        "written": written,
        "code": importer.__file__,
    }
    print("RESULT " + json.dumps(out))


def run(args) -> None:
    results = []
    for i in range(args.repeat):
        admin_sql(f'DROP DATABASE IF EXISTS "{db_name()}_run"')
        admin_sql(f'CREATE DATABASE "{db_name()}_run" TEMPLATE "{db_name()}_tpl"')
        if args.sql:
            import psycopg

            with psycopg.connect(db_url(f"{db_name()}_run"), autocommit=True) as conn:
                for statement in args.sql:
                    conn.execute(statement)
        if args.checked:  # the checked-rows file this code version reads
            import shutil

            shutil.copyfile(args.checked, Path(args.data_dir, "roster-import.xlsx.checked"))
        before = load()
        cmd = [sys.executable, __file__, "child", "--data-dir", args.data_dir]
        if args.perf:
            cmd += ["--perf", args.perf]
        if args.profile:
            cmd.append("--profile")
        env = dict(os.environ)
        if args.src:  # another checkout's code (an A/B comparison on the same copies)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (args.src, env.get("PYTHONPATH")) if p)
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, env=env).stdout
        line = next(x for x in out.splitlines() if x.startswith("RESULT "))
        r = json.loads(line[len("RESULT ") :])
        r["load"] = before
        results.append(r)
        steps = "; ".join(f"{k} {v:.2f}" for k, v in r["steps"].items())
        print(
            f"run {i + 1}: wall {r['wall']:.2f} s, python CPU {r['python_cpu']:.2f} s,"
            f" server CPU {r['server_cpu']:.2f} s"
            f" | {steps} | load before {before}, after {load()} | {r['written']} {r['code']}",
            flush=True,
        )
    if len(results) > 1:
        med = sorted(results, key=lambda r: r["server_cpu"])[len(results) // 2]
        print(f"median server CPU {med['server_cpu']:.2f} s (wall {med['wall']:.2f}, python {med['python_cpu']:.2f})")
    admin_sql(f'DROP DATABASE IF EXISTS "{db_name()}_run"')


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    pp = sub.add_parser("prepare")
    pp.add_argument("--data-dir", required=True)
    pp.add_argument("--rows", type=int, default=200_000)
    pr = sub.add_parser("run")
    pr.add_argument("--data-dir", required=True)
    pr.add_argument("--repeat", type=int, default=1)
    pr.add_argument("--sql", action="append", help="statement run on each copy before the commit (repeatable)")
    pr.add_argument("--perf", help="perf record the backend into this file")
    pr.add_argument("--profile", action="store_true", help="cProfile the commit (Python side; to stderr)")
    pr.add_argument("--src", help="run the commit with the package from this src directory (PYTHONPATH)")
    pr.add_argument("--checked", help="copy this checked-rows file into place before each run (see reseal)")
    ps = sub.add_parser("reseal")
    ps.add_argument("--data-dir", required=True)
    ps.add_argument("--keep", help="keep a copy of the new checked-rows file here")
    pc = sub.add_parser("child")
    pc.add_argument("--data-dir", required=True)
    pc.add_argument("--perf")
    pc.add_argument("--profile", action="store_true")
    args = p.parse_args()
    {"prepare": prepare, "run": run, "reseal": reseal, "child": child}[args.command](args)


if __name__ == "__main__":
    main()
