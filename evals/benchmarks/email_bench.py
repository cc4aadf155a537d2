"""Benchmark: parse_message against the plain stdlib parse plus raw PDF text, on the demo mailbox.

Run: python -m evals.benchmarks.email_bench [--repeat N] [--home DIR]. It builds the demo company
(`backoffice demo`) into a temporary BACKOFFICE_HOME unless --home points at one already built.
Target (issue 3): parse_message ≤ 2x (stdlib email.message_from_bytes(policy=default) + walking
the parts + pypdfium2 text of the message's PDF), per message.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from time import perf_counter

import pypdfium2 as pdfium

from tools.inbox.parsing import MessageLimits, parse_message


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = perf_counter()
        fn()
        times.append(perf_counter() - started)
    return min(times)


def stdlib_parse(raw: bytes) -> list[bytes]:
    """The baseline: the stdlib parse, walking every part and decoding the attachments."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out = []
    for part in msg.walk():
        if not part.is_multipart():
            out.append(part.get_payload(decode=True) or b"")
    return out


def pdf_text(data: bytes) -> str:
    doc = pdfium.PdfDocument(data)
    try:
        texts = []
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return "\n".join(texts)
    finally:
        doc.close()


def _build_demo(home: Path) -> None:
    exe = Path(sys.executable).with_name("backoffice")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "api.cli"]
    env = {**os.environ, "BACKOFFICE_HOME": str(home)}
    env.pop("BACKOFFICE_DATABASE_URL", None)
    subprocess.run([*command, "demo", "--json"], env=env, check=True, stdout=subprocess.DEVNULL)


def measure(messages: list[Path], repeat: int) -> dict[str, object]:
    limits = MessageLimits()
    rows = []
    for path in messages:
        raw = path.read_bytes()
        parsed = parse_message(raw, limits)
        pdfs = [d.data for d in parsed.documents if d.content_type == "application/pdf"]
        ours = _best(lambda: parse_message(raw, limits), repeat)
        stdlib = _best(lambda: stdlib_parse(raw), repeat)
        text = _best(lambda: [pdf_text(p) for p in pdfs], repeat) if pdfs else 0.0
        rows.append({"file": path.name, "bytes": len(raw), "pdfs": len(pdfs), "ours_ms": ours * 1e3,
                     "stdlib_ms": stdlib * 1e3, "pdf_text_ms": text * 1e3,
                     "ratio": ours / (stdlib + text)})
    total = {k: sum(float(r[k]) for r in rows) for k in ("ours_ms", "stdlib_ms", "pdf_text_ms")}
    baseline = total["stdlib_ms"] + total["pdf_text_ms"]
    ratios = [float(r["ratio"]) for r in rows]
    return {
        "benchmark": "email_parse", "messages": len(rows), "repeat": repeat,
        "ours_ms_total": round(total["ours_ms"], 2),
        "stdlib_ms_total": round(total["stdlib_ms"], 2),
        "pdf_text_ms_total": round(total["pdf_text_ms"], 2),
        "ratio_vs_stdlib_plus_pdf_text": round(total["ours_ms"] / baseline, 3),
        "ratio_vs_stdlib_alone": round(total["ours_ms"] / total["stdlib_ms"], 3),
        "ratio_per_message_max": round(max(ratios), 3),
        "ratio_per_message_median": round(statistics.median(ratios), 3),
        "target": "ratio_vs_stdlib_plus_pdf_text <= 2",
        "per_message": [{k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()}
                        for r in rows],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--home", type=Path, help="A BACKOFFICE_HOME with the demo already built")
    parser.add_argument("--brief", action="store_true", help="Leave out the per-message rows")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        if args.home is None:
            _build_demo(home)
        maildir = home / "mail" / "inbox"
        messages = sorted(p for sub in ("new", "cur") for p in (maildir / sub).glob("*")
                          if p.is_file())
        if not messages:
            sys.exit(f"no messages in {maildir}")
        result = measure(messages, args.repeat)
    if args.brief:
        result.pop("per_message")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
