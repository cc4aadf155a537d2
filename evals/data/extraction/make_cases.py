"""Rebuild evals/data/extraction/cases.jsonl: every extraction case with its provenance and truth.

Run from the repository root (after make_generated.py; the corpus at BACKOFFICE_CORPUS or
../shared/corpus beside the checkout):  .venv/bin/python -m evals.data.extraction.make_cases

Corpus documents are referenced by path, never copied. Their expected values are frozen here, so a
changed corpus file or reader shows up as a diff of this file (and `sha256` records which bytes the
truth belongs to):
* UBL (every Invoice/CreditNote in _derived_ubl_manifest.csv): header fields as
  evals.benchmarks.einvoice_bench.expected_ubl reads the manifest (its CORRECTIONS applied; the
  legal name is accepted as well as the trading name); lines from the suite's XPath reader.
* CII XML and the Factur-X PDFs embedding it (_derived_cii_manifest.csv): expected_cii plus the due
  date and lines from the suite's XPath reader; the PDFs get FACTURX_CORRECTIONS (the XRechnung PDF
  embeds an older edition of its XML).
* invoice2data/compare: the keys its JSON states, mapped to the contract (see I2D_FIELDS), with
  the corrections in I2D_CORRECTIONS; the PDFs, and their PNG scans through OCR (4). Orlen.txt is
  left out: plain text is not a document the extractor reads.
* generated: one case per generated.jsonl record (truth stays there).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from evals.harness.metadata import find_corpus

HERE = Path(__file__).resolve().parent
CORPUS = find_corpus() or Path(os.environ.get("BACKOFFICE_CORPUS", "../shared/corpus"))

# corpus folder → (upstream and commit, licence) from corpus/README.md
UPSTREAM = {
    "invoice2data": (
        "github.com/invoice-x/invoice2data@bd2fcceb867882047173dbd66a9500f47634a0cd", "MIT"),
    "peppol-bis-billing-3": (
        "github.com/OpenPEPPOL/peppol-bis-invoice-3@78d7f7dfa223f39f8ebd8d35c127f2690e646322",
        "not stated"),
    "a-nz-peppol-bis3": (
        "github.com/A-NZ-PEPPOL/A-NZ-PEPPOL-BIS-3.0@9e0b901bcba323ac432b6811899c0c0d1863d040",
        "not stated"),
    "pint-a-nz": (
        ("OpenPeppol PINT A-NZ 1.1.3 resources via "
         "github.com/phax/phive-rules@432f0e9a8cff5c03d06625abe7a5fd8e7e346a64"),
        "not stated (OpenPeppol examples; phive-rules is Apache-2.0)"),
    "cen-en16931-ubl-examples": (
        "github.com/ConnectingEurope/eInvoicing-EN16931@b6c9e06a59812fb1a83585da40923b3678a649ad",
        "EUPL-1.2"),
    "oasis-ubl-examples": (
        "github.com/kduvekot/ubl-release-package@ffe91363bb678e9366070ad85cff5abf24161d36",
        "OASIS IPR Policy"),
    "zugferd-xml-rechnung": (
        "github.com/ZUGFeRD/corpus@47b61beb29b7de98c3c91cdb3657415c0ede783b", "Apache-2.0"),
}
# invoice2data key → contract field
I2D_FIELDS = {"invoice_number": "invoice_number", "date": "issue_date", "date_due": "due_date",
              "amount": "total", "amount_untaxed": "subtotal", "amount_tax": "tax",
              "currency": "currency"}
# (json name, field) → (value, why): where the template's capture is not the document's value.
I2D_CORRECTIONS: dict[tuple[str, str], tuple[Any, str]] = {
    ("FlipkartInvoice", "invoice_number"): (
        "BLR_WFLD20151000982590",
        "printed 'Invoice No : # BLR_WFLD...'; the template keeps the number sign"),
}
I2D_OCR = ("AmazonWebServices", "FlipkartInvoice", "SammyMaystoneLinesTest", "oyo")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _s(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, frozenset):
        raise TypeError(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _provenance(rel: str, how: str) -> tuple[str, str]:
    upstream, licence = UPSTREAM[rel.split("/")[0]]
    return f"corpus:{rel} (from {upstream}); truth: {how}", licence


def _header(exp: dict[str, Any]) -> tuple[dict[str, str | None], dict[str, list[str]]]:
    """einvoice_bench's expected values → the suite's header fields."""
    out: dict[str, str | None] = {}
    accept: dict[str, list[str]] = {}
    for key in ("document_type", "invoice_number", "issue_date", "due_date", "currency",
                "purchase_order", "supplier.abn", "subtotal", "tax", "total", "payment.bsb"):
        if key in exp:
            out[key] = _s(exp[key])
    names = exp["supplier.name"]
    if isinstance(names, frozenset):
        ordered = sorted((n for n in names if n), key=lambda n: (n != exp.get("_trading"), n))
        out["supplier.name"] = ordered[0] if ordered else None
        if len(ordered) > 1:
            accept["supplier.name"] = ordered[1:]
    else:
        out["supplier.name"] = names
    account = exp.get("payment.account")
    iban = account if account and re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", account) else None
    out["payment.iban"] = iban
    out["payment.account_number"] = None if iban else account
    return out, accept


def _lines(lines: list[Any]) -> list[dict[str, Any]]:
    return [ln.model_dump(exclude_none=True) for ln in lines]


def ubl_cases() -> list[dict[str, Any]]:
    from evals.benchmarks import einvoice_bench as eb
    from evals.suites.extraction import ubl_lines

    eb.CORPUS = CORPUS  # the benchmark's readers take the corpus from this module constant
    out = []
    for row in eb.rows(eb.UBL_MANIFEST):
        path = CORPUS / row["file"]
        exp = eb.expected_ubl(row)
        exp["_trading"] = eb._trading_name(path)
        header, accept = _header(exp)
        how = ("header from _derived_ubl_manifest.csv as einvoice_bench.expected_ubl reads it; "
               "lines by XPath (InvoiceLine/CreditNoteLine)")
        prov, licence = _provenance(row["file"], how)
        out.append({"id": f"ubl:{row['file']}", "source": "ubl", "root": "corpus",
                    "path": row["file"], "split": "corpus", "method": "ubl", "provenance": prov,
                    "licence": licence, "sha256": _sha(path), "expected": header,
                    "also_accept": accept, "lines": _lines(ubl_lines(path.read_bytes())),
                    "truth_from": "manifest+xpath"})
    return out


def cii_cases() -> list[dict[str, Any]]:
    from evals.benchmarks import einvoice_bench as eb
    from evals.suites.extraction import cii_truth

    eb.CORPUS = CORPUS
    out = []
    for row in eb.rows(eb.CII_MANIFEST):
        xml_path = CORPUS / row["file"]
        due, lines = cii_truth(xml_path.read_bytes())
        base = eb.expected_cii(row)
        for source, rel in (("cii", row["file"]), ("facturx", row["pdf"])):
            exp = dict(base)
            if source == "facturx":
                exp.update(eb.FACTURX_CORRECTIONS.get(rel, {}))
            header, accept = _header(exp)
            header["due_date"] = due
            header["payment.bsb"] = None  # German documents: no BSB to find
            how = (f"header from _derived_cii_manifest.csv as einvoice_bench.expected_cii reads "
                   f"it; due date and lines by XPath from {row['file']}")
            prov, licence = _provenance(rel, how)
            out.append({"id": f"{source}:{rel}", "source": source, "root": "corpus", "path": rel,
                        "split": "corpus", "method": "cii", "provenance": prov,
                        "licence": licence, "sha256": _sha(CORPUS / rel), "expected": header,
                        "also_accept": accept, "lines": _lines(lines),
                        "truth_from": "manifest+xpath"})
    return out


def _i2d_line(raw: dict[str, Any]) -> dict[str, str] | None:
    line = {}
    desc = raw.get("name", raw.get("desc"))
    if desc is not None:
        line["description"] = " ".join(str(desc).split())
    for key, field in (("qty", "quantity"), ("price_unit", "unit_price"),
                       ("price_subtotal", "amount")):
        if raw.get(key) is not None:
            line[field] = str(Decimal(str(raw[key])))
    return line or None


def invoice2data_cases() -> list[dict[str, Any]]:
    from adapters.facturx import embedded_invoice_xml
    from tools.documents.identify import Kind, identify

    out = []
    base = CORPUS / "invoice2data" / "compare"
    for spec in sorted(base.glob("*.json")):
        truth = json.loads(spec.read_text(encoding="utf-8"))[0]
        header: dict[str, str | None] = {}
        notes = []
        for key, field in I2D_FIELDS.items():
            if key in truth:
                value = truth[key]
                if (spec.stem, field) in I2D_CORRECTIONS:
                    value, why = I2D_CORRECTIONS[(spec.stem, field)]
                    notes.append(f"{field} corrected: {why}")
                header[field] = None if value is None else (
                    str(Decimal(str(value))) if field in ("total", "subtotal", "tax") else str(value))
        raw_lines = truth.get("lines", truth.get("line_items"))
        lines = None
        if raw_lines is not None:
            lines = [ln for ln in map(_i2d_line, raw_lines) if ln and "description" in ln]
        for ext in ("pdf", "png"):
            doc = spec.with_suffix(f".{ext}")
            if not doc.exists() or (ext == "png" and spec.stem not in I2D_OCR):
                continue
            rel = doc.relative_to(CORPUS).as_posix()
            method = "ocr"
            if ext == "pdf":
                xml = embedded_invoice_xml(doc.read_bytes())
                method = "pdf_text" if xml is None else (
                    "ubl" if identify(xml) is Kind.UBL else "cii")
            how = f"invoice2data/compare/{spec.name} (stated keys only){'; ' if notes else ''}"
            prov, licence = _provenance(rel, how + "; ".join(notes))
            out.append({"id": f"invoice2data:{rel}", "source": "invoice2data", "root": "corpus",
                        "path": rel, "split": "corpus", "method": method, "provenance": prov,
                        "licence": licence, "sha256": _sha(doc), "expected": header,
                        "lines": lines, "line_match": "stated",
                        "min_line_f1": 0.8, "truth_from": "invoice2data json"})
    return out


def generated_cases() -> list[dict[str, Any]]:
    out = []
    with (HERE / "generated.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            out.append({
                "id": f"generated:{rec['name']}", "source": "generated", "root": "data",
                "path": rec["path"], "split": rec["split"], "method": "pdf_text",
                "provenance": (f"{rec['generator']}({rec['split']!r}, seed={rec['seed']}) "
                               f"index {rec['index']}, layout {rec['layout']}; committed by "
                               "evals/data/extraction/make_generated.py"),
                "licence": "project (generated)", "truth": "generated.jsonl",
                "truth_from": "generator ground truth"})
    return out


def main() -> None:
    from evals.suites.extraction import ExtractionCase

    cases = [*ubl_cases(), *cii_cases(), *invoice2data_cases(), *generated_cases()]
    with (HERE / "cases.jsonl").open("w", encoding="utf-8") as fh:
        for case in cases:
            if case.get("truth") != "generated.jsonl":
                ExtractionCase.model_validate(case)
            fh.write(json.dumps(case, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {len(cases)} cases")


if __name__ == "__main__":
    main()
