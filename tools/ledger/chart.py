"""The standard Australian SME chart of accounts and tax codes, read from the versioned data file."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from importlib.resources import files

from tools.ledger.model import Account, TaxCode


@cache
def _chart() -> dict:
    return json.loads(files("tools.ledger").joinpath("data/chart_au_sme.json").read_text())


def standard_tax_codes() -> tuple[TaxCode, ...]:
    return tuple(TaxCode(t["code"], t["name"], Decimal(t["rate"])) for t in _chart()["tax_codes"])


def standard_accounts() -> tuple[Account, ...]:
    return tuple(
        Account(
            code=a["code"], name=a["name"], type=a["type"], subtype=a.get("subtype", ""),
            tax_code=a.get("tax_code"), role=a.get("role"),
        )
        for a in _chart()["accounts"]
    )
