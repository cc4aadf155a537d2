"""Benchmark: the offline text-PDF extractor on compositional layouts it was never developed on.

Run: python -m evals.benchmarks.unseen_bench [--tune N] [--blind N] [--bad N] [--seed S] [--verbose]
                                            [--generator a|b]

Documents come from evals.generators.unseen_layouts (``--generator a``, splits tune/blind) or from
the second, independent evals.generators.unseen_layouts_b (``--generator b``, splits b_tune/b_blind;
no bad inputs). Reports, as JSON, per split:
* header-field exact rate per field and overall (extraction_bench.FIELDS and score_invoice), the
  share of invoices with every header field exact, line precision / recall / F1;
* TUNE only: the same rates by drawn part (meta form, table wording, totals wording, ...), and with
  --verbose every miss (field, want, got, layout).
* BLIND: aggregate numbers only (overall, per field, and for the documents that use a blind-only
  wording), never a miss and never a rate per wording, so nobody tunes the extractor on it.
* bad inputs (unseen_bad): per kind, how many were read with a total and NO issue at all (the bad
  outcome; want 0), how many lacked the issue that kind calls for, and the issue codes seen; plus a
  control of clean tune invoices through the same path (how many pass with no issue).
The header/line scoring reads like extraction_bench.evaluate; the bad inputs go through the whole
offline capability (services.extraction.extract_invoice with extraction_bench's context).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from dataclasses import replace
from typing import Any

from evals.benchmarks.extraction_bench import FIELDS, MAX_PAGES, _bench_context, _get, score_invoice

_PART_DIMS = ("meta_form", "table", "totals", "totals_form", "number_label", "date_label", "due_label",
              "po_label", "decoy", "abn_label", "date_format", "money", "payment_form", "extra", "font",
              "gst_marking", "pages")


class _Tally:
    def __init__(self) -> None:
        self.docs = self.all_exact = self.matched = self.got = self.want = 0
        self.fields: Counter[str] = Counter()

    def add(self, fields: dict[str, bool], m: int, e: int, w: int) -> None:
        self.docs += 1
        self.all_exact += all(fields.values())
        self.fields.update(f for f, ok in fields.items() if ok)
        self.matched, self.got, self.want = self.matched + m, self.got + e, self.want + w

    def f1(self) -> tuple[float, float, float]:
        p = self.matched / self.got if self.got else 0.0
        r = self.matched / self.want if self.want else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def summary(self, *, per_field: bool = True) -> dict[str, Any]:
        n = self.docs or 1
        p, r, f1 = self.f1()
        out: dict[str, Any] = {"invoices": self.docs,
                               "header_exact": round(sum(self.fields.values()) / (n * len(FIELDS)), 4),
                               "invoice_all_header_exact": round(self.all_exact / n, 4)}
        if per_field:
            out["per_field"] = {f: round(self.fields[f] / n, 4) for f in FIELDS}
            out["lines"] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4),
                            "expected": self.want}
        else:
            out["line_f1"] = round(f1, 4)
        return out


def _generator(split: str):  # type: ignore[no-untyped-def]
    if split.startswith("b_"):
        from evals.generators import unseen_layouts_b as gen
        return gen, gen.PART_DIMS
    from evals.generators import unseen_layouts as gen
    return gen, _PART_DIMS


def evaluate(split: str, n: int, seed: int, *, verbose: bool = False) -> dict[str, Any]:
    """Score `n` documents of `split` (tune, blind, b_tune, b_blind); part breakdowns and misses
    only for a tune split."""
    from adapters.pdf_text import read_pdf
    from evals.generators.invoices import expected_fields
    from tools.documents.layout import extract_fields

    gen, dims = _generator(split)
    generate_with_parts, gst_marking = gen.generate_with_parts, gen.gst_marking
    tune = split in ("tune", "b_tune")
    total, novel = _Tally(), _Tally()
    by_part: dict[str, dict[str, _Tally]] = defaultdict(lambda: defaultdict(_Tally))
    misses: list[dict[str, Any]] = []
    for g, parts in generate_with_parts(split, n, seed):
        text = read_pdf(g.pdf, max_pages=MAX_PAGES)
        ext = extract_fields(text, own_abn=g.invoice.customer.abn)
        fields, m, e, w = score_invoice(g.invoice, ext)
        total.add(fields, m, e, w)
        if parts.blind_only:
            novel.add(fields, m, e, w)
        if not tune:
            continue
        described = {**parts.describe(), "gst_marking": gst_marking(parts, g.invoice),
                     "pages": "1" if len(text.pages) == 1 else "2+"}
        for dim in dims:
            by_part[dim][described[dim]].add(fields, m, e, w)
        if verbose:
            exp = expected_fields(g.invoice)
            tag = " ".join(f"{k}={described[k]}" for k in ("totals_form", "date_format", "money", "gst_marking",
                                                          "pages", "due_label", "po_label", "decoy", "extra"))
            for f, ok in fields.items():
                if not ok:
                    misses.append({"doc": g.name, "layout": g.layout, "field": f, "want": exp[f],
                                   "got": _get(ext, f), "parts": tag})
            if m != w or e != w:
                misses.append({"doc": g.name, "layout": g.layout, "field": "lines", "want": w,
                               "got": f"matched {m}, extracted {e}", "parts": tag})
    out = total.summary()
    if tune:
        out["by_part"] = {dim: {value: t.summary(per_field=False) for value, t in sorted(values.items())}
                          for dim, values in by_part.items()}
        if verbose:
            out["misses"] = misses
    else:
        out["with_blind_only_wording"] = novel.summary(per_field=False)
    return out


_RELEVANT = {"mismatch": ("total", "gst", "subtotal"), "conflict": ("total",),
             "statement": ("statement", "not_invoice", "not_an_invoice")}


def _read_offline(data: bytes, name: str, own_abn: str | None) -> tuple[Any, set[str]]:
    """extraction_bench's whole offline call, told the receiving business's ABN as the product is."""
    from services.extraction import extract_invoice
    from tools.documents.pipeline import DocumentUnreadable, ReadingOptions

    try:
        reading = extract_invoice(data, name=name, context=replace(_bench_context(), own_abn=own_abn),
                                  ocr=None, options=ReadingOptions(own_abn=own_abn))
    except DocumentUnreadable as exc:
        return None, {exc.code}
    return reading.extraction, {i.code for i in reading.extraction.issues}


def bad_inputs(n: int, seed: int) -> dict[str, Any]:
    from evals.generators.unseen_bad import generate_bad
    from evals.generators.unseen_layouts import generate

    kinds: dict[str, dict[str, Any]] = {}
    for b in generate_bad(n, seed):
        ex, codes = _read_offline(b.pdf, f"{b.name}.pdf", b.truth.customer.abn)
        k = kinds.setdefault(b.kind, {"docs": 0, "read_total_no_issue": 0, "not_recognised": 0,
                                      "issue_codes": Counter(), "document_types": Counter()})
        k["docs"] += 1
        has_total = ex is not None and ex.total is not None
        k["read_total_no_issue"] += has_total and not codes
        k["issue_codes"].update(codes)
        k["document_types"][str(ex.document_type) if ex is not None else "unreadable"] += 1
        if b.kind == "credit_note":
            recognised = ex is None or ex.document_type == "credit_note"
        elif b.kind == "statement":
            recognised = not has_total or any(w in c for c in codes for w in _RELEVANT["statement"])
        else:  # held without a total, or with an issue about the totals
            recognised = not has_total or any(w in c for c in codes for w in _RELEVANT[b.kind])
        k["not_recognised"] += not recognised
    control = {"docs": 0, "no_issue": 0, "issue_codes": Counter()}
    for g in generate("tune", n, seed + 1):
        _, codes = _read_offline(g.pdf, f"{g.name}.pdf", g.invoice.customer.abn)
        control["docs"] += 1
        control["no_issue"] += not codes
        control["issue_codes"].update(codes)
    return {"kinds": {kind: {**v, "issue_codes": dict(v["issue_codes"].most_common()),
                             "document_types": dict(v["document_types"])} for kind, v in kinds.items()},
            "not_recognised_means": {"mismatch": "a total read and no issue code about totals/GST",
                                     "conflict": "a total read and no issue code about totals",
                                     "credit_note": "document_type is not credit_note",
                                     "statement": "a total read and no statement/not_invoice issue"},
            "control_clean_tune": {**control, "issue_codes": dict(control["issue_codes"].most_common())}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tune", type=int, default=200)
    parser.add_argument("--blind", type=int, default=200)
    parser.add_argument("--bad", type=int, default=80, help="bad inputs (cycling through the kinds)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--verbose", action="store_true", help="list every TUNE miss (never blind ones)")
    parser.add_argument("--generator", choices=("a", "b"), default="a",
                        help="a: unseen_layouts (tune/blind); b: unseen_layouts_b (b_tune/b_blind)")
    args = parser.parse_args()
    b = args.generator == "b"
    summary: dict[str, Any] = {"benchmark": "unseen_layouts_b" if b else "unseen_layouts", "seed": args.seed}
    seconds: dict[str, float] = {}
    tune, blind = ("b_tune", "b_blind") if b else ("tune", "blind")
    for split, n in ((tune, args.tune), (blind, args.blind)):
        if not n:
            continue
        started = time.perf_counter()
        summary[split] = evaluate(split, n, args.seed, verbose=args.verbose and split == tune)
        seconds[split] = round(time.perf_counter() - started, 1)
    if not b and args.bad:
        started = time.perf_counter()
        summary["bad_inputs"] = bad_inputs(args.bad, args.seed)
        seconds["bad_inputs"] = round(time.perf_counter() - started, 1)
    summary["seconds"] = seconds
    print(json.dumps(summary, indent=2, default=str))


if __name__ == "__main__":
    main()
