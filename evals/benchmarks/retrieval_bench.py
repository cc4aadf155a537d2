"""Benchmark: the advisor assistant's policy search over the demo knowledge base.

Run: python -m evals.benchmarks.retrieval_bench [--repeats R]

Reports, as JSON:
* ingest_cold_seconds: the demo step (demo.knowledge_step) into an empty home in a fresh
  process: loading unstructured, spaCy and MiniLM, parsing, chunking, embedding, writing chromadb;
* ingest_warm_seconds: the same into another empty home with everything loaded;
* reopen_seconds: opening the built store again (chromadb + the BM25 rebuild);
* query latency, warm (after warm-up queries), over the retrieval eval's questions repeated R
  times: p50, p95 and max in milliseconds (the target: p50 <= 25 ms), each query embedding the
  question with MiniLM, a chromadb nearest-neighbour query, BM25 and fusion.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_P50_MS = 25.0


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def run(repeats: int) -> dict[str, Any]:
    from core.settings import Settings
    from demo.knowledge_step import build_knowledge_base
    from evals.suites.retrieval import load_questions
    from memory.knowledge.kb import KnowledgeBase

    root = Path(tempfile.mkdtemp(prefix="retrieval-bench-"))
    started = time.perf_counter()
    summary = build_knowledge_base(Settings(home=root / "cold"))
    cold = time.perf_counter() - started
    warm = build_knowledge_base(Settings(home=root / "warm")).seconds
    started = time.perf_counter()
    kb = KnowledgeBase.open(Settings(home=root / "cold"))
    reopen = time.perf_counter() - started
    questions = [q.question for q in load_questions()]
    for q in questions[:10]:
        kb.search(q, 5)
    times = []
    for _ in range(repeats):
        for q in questions:
            t = time.perf_counter()
            kb.search(q, 5)
            times.append((time.perf_counter() - t) * 1000)
    p50 = statistics.median(times)
    return {"documents": summary.documents, "chunks": summary.chunks,
            "ingest_cold_seconds": round(cold, 2), "ingest_warm_seconds": round(warm, 2),
            "reopen_seconds": round(reopen, 3), "queries": len(times),
            "query_p50_ms": round(p50, 2), "query_p95_ms": round(_percentile(times, 95), 2),
            "query_max_ms": round(max(times), 2), "target_p50_ms": TARGET_P50_MS,
            "meets_target": p50 <= TARGET_P50_MS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="passes over the questions")
    args = parser.parse_args()
    print(json.dumps(run(args.repeats), indent=2))


if __name__ == "__main__":
    main()
