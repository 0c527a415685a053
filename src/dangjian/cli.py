"""The `dangjian` command: demo, serve, manage, check."""

from __future__ import annotations

import argparse
import os
import sys


def _setup(demo: bool = False) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    if demo:
        os.environ.setdefault("DANGJIAN_DEMO", "1")
    import django

    django.setup()


def _start_task_worker():
    """The background-job worker runs beside the web server unless jobs run inline."""
    import subprocess

    if os.environ.get("DANGJIAN_TASKS") == "immediate":
        return None
    return subprocess.Popen([sys.executable, "-m", "dangjian.cli", "manage", "db_worker", "--interval", "1"])


def _start_audit_shipper():
    """AU-03: the audit trail shipped to the log server in near real time, when DANGJIAN_AUDIT_SYSLOG is set."""
    import subprocess

    from django.conf import settings

    if not settings.AUDIT_SYSLOG:
        return None
    return subprocess.Popen([sys.executable, "-m", "dangjian.cli", "manage", "ship_audit", "--follow"])


def _serve(host: str, port: int, workers: int, threads: int = 1) -> None:
    """Granian, WSGI: `workers` processes of `threads` Python threads each. The pages are CPU-bound Python: with
    several threads a process shares its core between the requests in flight (each waits for all), with one it
    serves them in turn, which at the same throughput shortens the slow tail. On two cores two workers of one
    thread gave the lowest p95 on SQLite and PostgreSQL alike (docs/bench-load.md, session 6); slow clients are
    the reverse proxy's to buffer (docs/install.md)."""
    from granian import Granian
    from granian.constants import Interfaces

    from dangjian.core.dbfork import release_before_fork

    helpers = [p for p in (_start_task_worker(), _start_audit_shipper()) if p is not None]
    # granian forks the workers: no connection or pool of this process may be inherited by them (core/dbfork.py).
    release_before_fork()

    print(
        f"服务已启动：http://{host if host not in ('0.0.0.0', '::') else '127.0.0.1'}:{port}/  （Ctrl+C 停止）",
        flush=True,
    )
    server = Granian(
        "dangjian.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
    )
    try:
        server.serve()
    finally:
        for helper in helpers:
            helper.terminate()


def cmd_demo(args) -> int:
    _setup(demo=True)
    from django.core.management import call_command

    call_command("demo", size=args.size, reset=args.reset)
    if args.no_serve:
        return 0
    call_command("collectstatic", interactive=False, verbosity=0)
    _serve(args.host, args.port, args.workers)
    return 0


def cmd_serve(args) -> int:
    # The served app keeps one persistent connection per granian thread (CONN_MAX_AGE): with a fixed number of
    # threads the pool brings nothing and cost as much or a little more CPU per request (docs/bench-load.md).
    # DANGJIAN_DB_POOL=1 turns Django's pool on; it is safe since core/dbfork.py (the pool of this process was
    # inherited by granian's forked workers: security/tests/test_serve_pool.py).
    os.environ.setdefault("DANGJIAN_DB_POOL", "0")
    _setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("reap_jobs", all_running=True, verbosity=0)  # FLT-01: jobs of a worker that died
    _serve(args.host, args.port, args.workers, args.threads)
    return 0


def cmd_manage(argv: list[str]) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["dangjian manage", *argv])
    finally:
        _settle_audit_alarms()
    return 0


def _settle_audit_alarms() -> None:
    """AU-05: alarms raised inside a command's rolled-back transaction are written once it is over."""
    from django.apps import apps

    if apps.ready:
        from dangjian.core import audit

        audit.settle_alarms()


def cmd_check(args) -> int:
    _setup()
    if getattr(args, "deploy", False):
        from dangjian.security import controls

        results = controls.run()
        print(controls.report(results))
        return 1 if any(r.status == controls.FAIL for r in results) else 0
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", deploy=True, fail_level="WARNING", databases=["default"])
    except SystemCheckError as exc:
        print(exc, file=sys.stderr)
        print("生产部署检查未通过：请按上面的提示逐项处理。", file=sys.stderr)
        return 1
    print("生产部署检查通过。")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "manage":
        return cmd_manage(argv[1:])
    if argv[:2] == ["import", "roster"]:
        return cmd_manage(["import_roster", *argv[2:]])
    if argv[:2] == ["import", "recruitment"]:
        return cmd_manage(["import_recruitment", *argv[2:]])
    if argv[:2] == ["stats", "show"]:
        return cmd_manage(["stats_show", *argv[2:]])
    if argv[:1] in (["backup"], ["restore"], ["break_glass"]):
        return cmd_manage(argv)
    parser = argparse.ArgumentParser(prog="dangjian", description="基层党建工作平台")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="生成演示数据并启动服务")
    demo.add_argument("--size", choices=["county", "city", "province"], default="county", help="演示数据规模")
    demo.add_argument("--reset", action="store_true", help="清空并重建演示数据库")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--workers", type=int, default=1)
    demo.add_argument("--no-serve", action="store_true", help="只生成数据，不启动服务")
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="启动服务（使用数据目录中的数据库）")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=int(os.environ.get("DANGJIAN_SERVE_WORKERS", "2")))
    serve.add_argument(
        "--threads", type=int, default=int(os.environ.get("DANGJIAN_SERVE_THREADS", "1")), help="每个进程的线程数"
    )
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("manage", help="运行任意管理命令，例如 dangjian manage check_tree")
    sub.add_parser(
        "import",
        help="dangjian import roster FILE [--as 账号] [--commit]：导入党员名册；"
        "dangjian import recruitment FILE [--as 账号] [--commit | --rollback 批次]：导入发展党员档案",
    )
    sub.add_parser("stats", help="dangjian stats show 组织代码或全称 [--as-of 日期] [--format json|table]：统计指标")

    sub.add_parser("backup", help="dangjian backup [--dir 目录] [--encrypt]：备份数据库（附校验清单）")
    sub.add_parser("restore", help="dangjian restore FILE：把备份恢复到空数据库并核对")
    sub.add_parser("break_glass", help="dangjian break_glass 账号 --reason 原因：应急超级用户（全程审计）")

    check = sub.add_parser("check", help="检查生产部署还缺少什么")
    check.add_argument("--deploy", action="store_true", help="逐项列出等保控制的通过情况和处理办法")
    check.set_defaults(func=cmd_check)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
