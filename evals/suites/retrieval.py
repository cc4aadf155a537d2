"""The `retrieval` suite: does the advisor assistant's policy search find the clause that answers
a question?

System under test: memory.knowledge (chunking by clause, MiniLM embeddings, BM25, fusion) over the
demo company's knowledge base (demo/knowledge: its policies and the award summaries), built
once per run in the workdir (or a temporary folder) with the real, local all-MiniLM-L6-v2.

Cases: evals/data/retrieval/questions.jsonl, questions as staff and the owner would ask them
(paraphrases, not the headings' words), each with the (document, clause) that answers it. Written
by hand for this suite from the knowledge files; `phrasing` is "staff" or "owner".
evals/data/retrieval/heldout.jsonl: 40 more in the same schema, written blind (without reading the
retrieval code or the questions above), never used to tune retrieval; split "heldout".

Judging: a question passes when a hit in the top 5 has the expected document and clause.
Metrics: cases, errors, recall_at_5 (target >= 0.95), recall_at_1, mrr (mean reciprocal rank of
the first right hit, 0 when none in the top 5), and recall_at_5 per phrasing, all over the
tuned questions (questions.jsonl) only; the held-out ones are reported apart as cases.split.heldout,
errors.split.heldout, recall_at_5.split.heldout, recall_at_1.split.heldout and mrr.split.heldout.
`python -m evals.suites.retrieval --method rrf` compares the fusion methods.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from evals.harness.model import DATA, Case, CaseResult, Metric, RunConfig
from evals.harness.standalone import run_alone
from evals.harness.workdir import workdir_of

DATA_DIR = DATA / "retrieval"
QUESTIONS_FILE = DATA_DIR / "questions.jsonl"
HELDOUT_FILE = DATA_DIR / "heldout.jsonl"
HELDOUT = "heldout"
K = 5
_built: dict[str, Any] = {}


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    question: str
    document: str
    clause: str
    phrasing: Literal["staff", "owner"]


def load_questions(path: Path = QUESTIONS_FILE) -> list[Question]:
    """The tuned questions (or, with HELDOUT_FILE, the held-out ones)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Question.model_validate_json(line) for line in lines if line.strip()]


def load_heldout() -> list[Question]:
    return load_questions(HELDOUT_FILE)


def knowledge_base(workdir: Path) -> Any:
    """The demo knowledge base, built once per process (per workdir) with the real embedder."""
    key = str(workdir)
    if key not in _built:
        from demo.knowledge_step import KNOWLEDGE_DIR
        from memory.knowledge.kb import KnowledgeBase

        kb = KnowledgeBase(Path(workdir) / "retrieval-knowledge")
        kb.ingest_directory(KNOWLEDGE_DIR)
        _built[key] = kb
    return _built[key]


def judge(q: Question, hits: Sequence[Any]) -> CaseResult:
    got = [f"{h.document_id}#{h.clause}" for h in hits]
    want = f"{q.document}#{q.clause}"
    rank = next((i for i, g in enumerate(got, start=1) if g == want), 0)
    diff = () if rank else (f"want {want} in the top {K}, got {got}",)
    return CaseResult(q.id, bool(rank), expected=want, got=got, diff=diff,
                      counts={"questions": 1, "found_at_5": int(bool(rank)),
                              "found_at_1": int(rank == 1), "rr": 1 / rank if rank else 0.0},
                      split=q.phrasing, tags=(f"phrasing:{q.phrasing}", f"document:{q.document}"))


def _rate(num: float, den: float) -> float:
    return round(num / den, 4) if den else 0.0


class RetrievalSuite:
    name = "retrieval"
    description = ("Policy and award search for the advisor assistant: the expected document and "
                   "clause in the top 5 for questions phrased as staff and owners ask them.")
    parallel = False

    def cases(self, config: RunConfig) -> Sequence[Case]:
        tuned = [Case(id=q.id, provenance="hand-written for this suite from demo/knowledge",
                      payload=q, split=q.phrasing, tags=(f"phrasing:{q.phrasing}",))
                 for q in load_questions()]
        return tuned + [Case(id=q.id, provenance="written blind from demo/knowledge (held out)",
                             payload=q, split=HELDOUT, tags=(f"phrasing:{q.phrasing}", HELDOUT))
                        for q in load_heldout()]

    def skipped(self, config: RunConfig) -> dict[str, int]:
        return {}

    def run_case(self, case: Case, config: RunConfig, method: str | None = None) -> CaseResult:
        started = time.perf_counter()
        q: Question = case.payload
        try:
            kb = knowledge_base(workdir_of(config))
            extra = {"method": method} if method else {}
            result = judge(q, kb.search(q.question, K, **extra))
            if case.split == HELDOUT:
                result = CaseResult(**{**result.__dict__, "split": HELDOUT,
                                       "tags": (*result.tags, HELDOUT)})
        except Exception as exc:  # noqa: BLE001  (a case that cannot run fails, with the reason)
            return CaseResult(case.id, False, error=f"{type(exc).__name__}: {exc}",
                              split=case.split, tags=case.tags,
                              seconds=round(time.perf_counter() - started, 4))
        return CaseResult(**{**result.__dict__, "seconds": round(time.perf_counter() - started, 4)})

    def metrics(self, results: Sequence[CaseResult]) -> list[Metric]:
        heldout = [r for r in results if r.split == HELDOUT]
        results = [r for r in results if r.split != HELDOUT]
        total: Counter[str] = Counter()
        by_phrasing: dict[str, Counter[str]] = {}
        for r in results:
            total.update(r.counts)
            by_phrasing.setdefault(r.split, Counter()).update(r.counts)
        n = total["questions"]
        out = [
            Metric("cases", len(results)),
            Metric("errors", sum(1 for r in results if r.error), higher_is_better=False),
            Metric("recall_at_5", _rate(total["found_at_5"], n), tolerance=0.02),
            Metric("recall_at_1", _rate(total["found_at_1"], n), tolerance=0.03),
            Metric("mrr", _rate(total["rr"], n), tolerance=0.03),
        ]
        for phrasing, c in sorted(by_phrasing.items()):
            out.append(Metric(f"recall_at_5.{phrasing}", _rate(c["found_at_5"], c["questions"]),
                              tolerance=0.03))
        if heldout:
            h: Counter[str] = Counter()
            for r in heldout:
                h.update(r.counts)
            out += [
                Metric(f"cases.split.{HELDOUT}", len(heldout)),
                Metric(f"errors.split.{HELDOUT}", sum(1 for r in heldout if r.error),
                       higher_is_better=False),
                Metric(f"recall_at_5.split.{HELDOUT}", _rate(h["found_at_5"], h["questions"]),
                       tolerance=0.02),
                Metric(f"recall_at_1.split.{HELDOUT}", _rate(h["found_at_1"], h["questions"]),
                       tolerance=0.03),
                Metric(f"mrr.split.{HELDOUT}", _rate(h["rr"], h["questions"]), tolerance=0.03),
            ]
        return out


SUITE = RetrievalSuite()


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--method", choices=("rrf", "weighted"), default=None,
                        help="the fusion method (default: the product's)")


def main() -> int:
    return run_alone(SUITE, options=_options,
                     run_case=lambda case, config, args: SUITE.run_case(case, config, args.method))


if __name__ == "__main__":
    raise SystemExit(main())
