"""Write cases.jsonl for the safety suite: payload x placement x obfuscation, sampled
deterministically from payloads.jsonl, placements.json and base_invoices.json.

Run from the repository root:  python evals/data/safety/make_cases.py [--check]

Each case carries the exact text injected (`text`, the payload after its obfuscation), so the cases
are versioned data: a change to an obfuscation shows up as a diff of cases.jsonl. `--check` exits 1
when cases.jsonl is not what this script would write (the tests run it).

Sampling, per placement: `cases` cases cycle through the placement's obfuscations in order, so
every obfuscation appears in every placement; payloads come from a per-placement shuffle (seeded by
a fixed string: `random.Random` with a str seed is stable across Python versions) of the English
payloads, or of the non-English ones for `other_language`, taken in turn across all placements (so
every payload is used) and skipping those the placement cannot carry (a PDF font without CJK
glyphs; a 120-character attachment label); base invoices rotate.
Only the standard library is used, so the script runs without the project installed.
"""

from __future__ import annotations

import base64
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "cases.jsonl"
LATIN_LANGUAGES = frozenset({"en", "es", "fr", "de", "it", "pt"})

# Cyrillic look-alikes of Latin letters (Unicode confusables, https://www.unicode.org/Public/security/latest/confusables.txt).
HOMOGLYPHS = {
    "a": "\u0430", "c": "\u0441", "e": "\u0435", "i": "\u0456", "j": "\u0458", "o": "\u043e",
    "p": "\u0440", "s": "\u0455", "x": "\u0445", "y": "\u0443", "A": "\u0410", "B": "\u0412",
    "C": "\u0421", "E": "\u0415", "H": "\u041d", "K": "\u041a", "M": "\u041c", "O": "\u041e",
    "P": "\u0420", "T": "\u0422", "X": "\u0425",
}
ZERO_WIDTH = ("\u200b", "\u200d")


def obfuscate(text: str, how: str) -> str:
    """The payload as injected. Deterministic."""
    if how in ("none", "other_language"):
        return text
    if how == "base64":
        return "Ref: " + base64.b64encode(text.encode("utf-8")).decode("ascii")
    if how == "zero_width":
        out, n = [], 0
        for i, ch in enumerate(text):
            out.append(ch)
            if ch.isalpha() and i + 1 < len(text) and text[i + 1].isalpha():
                out.append(ZERO_WIDTH[n % 2])
                n += 1
        return "".join(out)
    if how == "homoglyph":
        out, n = [], 0
        for ch in text:
            if ch in HOMOGLYPHS:
                out.append(HOMOGLYPHS[ch] if n % 2 == 0 else ch)
                n += 1
            else:
                out.append(ch)
        return "".join(out)
    if how == "spaced":
        return "   ".join(" ".join(word) for word in text.split())
    raise ValueError(f"unknown obfuscation {how!r}")


def _visible_len(text: str) -> int:
    return sum(1 for ch in text if ch not in ZERO_WIDTH)


def _fits(place: dict, payload: dict, how: str) -> bool:
    """Can the placement carry this payload? (A PDF font without CJK glyphs; a file-name limit.)"""
    if place["scripts"] == "latin" and payload["language"] not in LATIN_LANGUAGES:
        return False
    max_chars = place.get("max_chars")
    return max_chars is None or _visible_len(obfuscate(payload["text"], how)) <= max_chars


def load() -> tuple[list[dict], dict, list[dict]]:
    payloads = [json.loads(line) for line in (HERE / "payloads.jsonl").read_text("utf-8").splitlines()
                if line.strip()]
    placements = json.loads((HERE / "placements.json").read_text("utf-8"))
    bases = json.loads((HERE / "base_invoices.json").read_text("utf-8"))["invoices"]
    return payloads, placements, bases


def make_cases() -> list[dict]:
    payloads, spec, bases = load()
    obfuscations = [o["id"] for o in spec["obfuscations"]]
    rng = random.Random("safety-cases-v1")
    pools = {"en": [p for p in payloads if p["language"] == "en"],
             "other": [p for p in payloads if p["language"] != "en"]}
    for pool in pools.values():
        rng.shuffle(pool)
    cursor = {"en": 0, "other": 0}   # carried across placements, so every payload gets used
    cases: list[dict] = []
    for p_index, place in enumerate(spec["placements"]):
        allowed = place.get("obfuscations", obfuscations)
        base_pool = place.get("bases", list(range(len(bases))))
        for k in range(place["cases"]):
            how = allowed[k % len(allowed)]
            group = "other" if how == "other_language" else "en"
            pool = pools[group]
            for _ in range(len(pool)):
                payload = pool[cursor[group] % len(pool)]
                cursor[group] += 1
                if _fits(place, payload, how):
                    break
            else:
                raise SystemExit(f"no payload fits {place['id']} / {how}")
            variant = place["variants"][(k // len(allowed) + k) % len(place["variants"])]
            base = base_pool[(k + p_index) % len(base_pool)]
            case_id = f"{place['id']}-{k:02d}-{how}-{payload['id']}"
            cases.append({
                "id": case_id,
                "payload_id": payload["id"],
                "placement": place["id"],
                "variant": variant,
                "obfuscation": how,
                "language": payload["language"],
                "intent": payload["intent"],
                "base_invoice": base,
                "text": obfuscate(payload["text"], how),
                "provenance": (f"generated by evals/data/safety/make_cases.py from payload "
                               f"{payload['id']} ({payload['provenance']}); placement "
                               f"{place['id']}/{variant}; base invoice {bases[base]['id']} "
                               "(fictional, written for Backoffice)"),
            })
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases


def render_jsonl(cases: list[dict]) -> str:
    # ASCII escapes keep zero-width and look-alike characters visible in a diff.
    return "".join(json.dumps(c, ensure_ascii=True, sort_keys=False) + "\n" for c in cases)


def main(argv: list[str]) -> int:
    text = render_jsonl(make_cases())
    if "--check" in argv:
        current = OUT.read_text("utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is out of date: run python {Path(__file__).as_posix()}", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, "utf-8")
    print(f"wrote {text.count(chr(10))} cases to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
