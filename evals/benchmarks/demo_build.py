"""Benchmark: how long `backoffice demo` takes and how much memory it needs.

Run: python -m evals.benchmarks.demo_build [--runs N]. Target (issue 2): under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
from pathlib import Path
from time import perf_counter

from core.settings import load_settings
from demo.build import build_demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times, journals = [], 0
    with tempfile.TemporaryDirectory() as home:
        for _ in range(args.runs):
            started = perf_counter()
            summary = build_demo(load_settings(home=Path(home), database_url=None))
            times.append(perf_counter() - started)
            journals = summary.counts["journals"]
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"benchmark": "demo_build", "runs": args.runs,
                      "seconds_median": round(statistics.median(times), 2),
                      "seconds_max": round(max(times), 2), "journals": journals,
                      "journals_per_second": round(journals / statistics.median(times)),
                      "peak_rss_mib": round(peak_mib)}, indent=2))


if __name__ == "__main__":
    main()
