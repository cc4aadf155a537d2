"""Australian Business Number: normalisation and the ATO's modulus-89 checksum."""

from __future__ import annotations

import re

from tools.ledger.problems import LedgerError

_WEIGHTS = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)


def abn_is_valid(abn: str) -> bool:
    digits = re.sub(r"\s", "", abn)
    if not re.fullmatch(r"[1-9][0-9]{10}", digits):
        return False
    values = [int(d) for d in digits]
    values[0] -= 1
    return sum(w * v for w, v in zip(_WEIGHTS, values)) % 89 == 0


def normalise_abn(abn: str) -> str:
    """Return the 11 digits without spaces, or raise a typed error a bookkeeper can act on."""
    digits = re.sub(r"\s", "", abn or "")
    if not re.fullmatch(r"[0-9]{11}", digits):
        raise LedgerError.single("abn_malformed", f"ABN {abn!r} must be 11 digits")
    if not abn_is_valid(digits):
        raise LedgerError.single(
            "abn_checksum", f"ABN {format_abn(digits)} fails the ATO checksum; check it for a typo"
        )
    return digits


def format_abn(digits: str) -> str:
    return f"{digits[:2]} {digits[2:5]} {digits[5:8]} {digits[8:]}" if len(digits) == 11 else digits


def complete_abn(identifier: str) -> str | None:
    """The valid ABN for a 9-digit identifier: its two leading digits are check digits.

    Used to make demo and test ABNs; None only for a malformed identifier.
    """
    for check in range(10, 100):
        candidate = f"{check}{identifier}"
        if abn_is_valid(candidate):
            return candidate
    return None
