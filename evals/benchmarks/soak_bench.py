"""Benchmark: the soak's long form. 500 invoice emails over SMTP and the API to 3 worker processes
on one PostgreSQL database, a worker or the API killed with SIGKILL every second or two, over
several seeds; each seed reports lost and duplicated work (target: none, over >= 20 kills), the
outcomes, how long it took and the audit head.

Run: python -m evals.benchmarks.soak_bench [--emails 500] [--workers 3] [--seeds 1 2 3]
     [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--json]
Each seed runs in a schema of its own, dropped afterwards (kept with --keep).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import uuid
from pathlib import Path

from evals.benchmarks.pg_schemas import drop_schema, schema_url

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def main() -> None:
    from evals.soak.run import SoakConfig, run_soak

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=500)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--keep", action="store_true", help="keep each seed's schema and home")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    reports = []
    for seed in args.seeds:
        schema = f"soak_{seed}_{uuid.uuid4().hex[:8]}"
        url = schema_url(args.postgres, schema)
        home = Path(tempfile.mkdtemp(prefix=f"soak-{seed}-"))
        try:
            report = run_soak(SoakConfig(emails=args.emails, workers=args.workers, seed=seed),
                              home / "home", url).as_dict()
        finally:
            if not args.keep:
                drop_schema(args.postgres, schema)
        report["home"] = str(home)
        reports.append(report)
        if not args.json:
            print(f"seed {seed}: {report['seconds']}s, {report['total_kills']} kills "
                  f"{report['kills']}, "
                  f"outcomes {report['outcomes']}, {len(report['problems'])} problem(s)"
                  + "".join(f"\n  {p}" for p in report["problems"][:20]))
    if args.json:
        print(json.dumps(reports, indent=2))
    else:
        kills = sum(r["total_kills"] for r in reports)
        problems = sum(len(r["problems"]) for r in reports)
        print(f"{len(reports)} seed(s), {sum(r['emails'] for r in reports)} emails, {kills} kills: "
              f"{problems} problem(s)")


if __name__ == "__main__":
    main()
