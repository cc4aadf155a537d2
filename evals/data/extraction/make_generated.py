"""Regenerate the committed generated-invoice fixtures of the extraction suite.

Run from the repository root:  .venv/bin/python -m evals.data.extraction.make_generated

Writes generated/{dev,heldout}/<name>.pdf and generated.jsonl (one record per PDF: provenance and
the ground truth the generator drew it from). Deterministic: the same seeds give the same bytes, so
re-running it on an unchanged generator changes nothing. The suite's seeds differ from the
extraction benchmark's default (2026), so the held-out documents committed here are not ones anyone
looked at while developing the extractor; do not tune the extractor on generated/heldout/.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# split → (generator, its split, documents, seed). The unseen-layout splits (issue 12) come from
# evals.generators.unseen_layouts: never tune the extractor on generated/unseen_blind/.
PLAN = {
    "dev": ("evals.generators.invoices", "dev", 60, 7),
    "heldout": ("evals.generators.invoices", "heldout", 80, 7),
    "unseen_tune": ("evals.generators.unseen_layouts", "tune", 40, 7),
    "unseen_blind": ("evals.generators.unseen_layouts", "blind", 60, 7),
}


def _s(value: object) -> str | None:
    return None if value is None else str(value)


def record(g: Any, split: str, generator: str, seed: int, index: int, path: str) -> dict[str, Any]:
    inv = g.invoice
    pay = inv.payment
    expected = {
        "document_type": inv.document_type, "supplier.name": inv.supplier.name,
        "supplier.abn": inv.supplier.abn, "invoice_number": inv.invoice_number,
        "issue_date": inv.issue_date.isoformat(),
        "due_date": inv.due_date.isoformat() if inv.due_date else None,
        "currency": inv.currency, "purchase_order": inv.purchase_order,
        "subtotal": _s(inv.subtotal), "tax": _s(inv.tax), "total": _s(inv.total),
        "payment.bsb": pay.bsb if pay else None,
        "payment.account_number": pay.account_number if pay else None,
        "payment.iban": None,
    }
    lines = [{"description": ln.description, "quantity": _s(ln.quantity),
              "unit_price": _s(ln.unit_price), "amount": _s(ln.amount), "tax_code": ln.tax_code}
             for ln in inv.lines]
    return {"name": f"{split}-{g.name}" if split.startswith("unseen") else g.name, "split": split,
            "layout": g.layout, "generator": f"{generator}.generate",
            "seed": seed, "index": index, "path": path,
            "sha256": hashlib.sha256(g.pdf).hexdigest(), "own_abn": inv.customer.abn,
            "expected": expected, "lines": lines}


def main() -> None:
    import importlib

    records = []
    for split, (generator, its_split, n, seed) in PLAN.items():
        folder = HERE / "generated" / split
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.pdf"):
            stale.unlink()
        generate = importlib.import_module(generator).generate
        for index, g in enumerate(generate(its_split, n, seed)):
            rel = f"generated/{split}/{g.name}.pdf"
            (HERE / rel).write_bytes(g.pdf)
            records.append(record(g, split, generator, seed, index, rel))
    with (HERE / "generated.jsonl").open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {len(records)} generated invoices")


if __name__ == "__main__":
    main()
