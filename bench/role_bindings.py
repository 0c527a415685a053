#!/usr/bin/env python
"""AC-12 cost on the request path: verifying the MAC of a user's role bindings, in-process, no database.

    .venv/bin/python bench/role_bindings.py [--rows 3] [--repeat 20000]

Prints the median CPU time (process_time) of `accounts.bindings.verified` over `--rows` bindings, first with
an empty verdict cache (one HMAC-SM3 per row, as for the first request of a process or after a change) and
then cached (every later request), with the load average beside it (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=3)
    p.add_argument("--repeat", type=int, default=20000)
    args = p.parse_args()
    os.environ.setdefault("DANGJIAN_DATA_DIR", tempfile.mkdtemp(prefix="bench-rolebind-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from dangjian.accounts import bindings

    def rows(salt: int):
        out = []
        for i in range(args.rows):
            mac = bindings.binding_mac(salt, 2, "org_admin", i, "")
            out.append((i, salt, 2, "org_admin", i, "", mac, ["orgs.view_org"], "0001"))
        return out

    samples = [rows(salt) for salt in range(args.repeat)]
    bindings._verdict.cache_clear()
    cold = []
    for sample in samples:
        start = time.process_time_ns()
        assert len(bindings.verified(sample)) == args.rows
        cold.append(time.process_time_ns() - start)
    warm_sample = samples[0]
    bindings.verified(warm_sample)
    warm = []
    for _ in range(args.repeat):
        start = time.process_time_ns()
        bindings.verified(warm_sample)
        warm.append(time.process_time_ns() - start)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average {load}; {args.rows} bindings per request")
    print(f"  uncached (one HMAC-SM3 per row): median {statistics.median(cold) / 1000:.1f} µs per request")
    print(f"  cached (later requests):         median {statistics.median(warm) / 1000:.2f} µs per request")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
