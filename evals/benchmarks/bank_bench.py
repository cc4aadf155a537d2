"""Benchmark: the bank end to end on SQLite, through the same services as `backoffice bank`.

Run: python -m evals.benchmarks.bank_bench [--import-lines N] [--reconcile-lines N] [--seed S]

* import: one CommBank CSV of N lines (default 100,000) read, balance-checked, keyed and stored
  into a fresh database (services.bank_import.import_statement_file), then the same file again
  (every line already held: nothing stored). Target: ≤ 5 s for 100,000 lines.
* reconcile: N open lines (default 10,000) against ~N/4 open bills and sales invoices and the
  ledger's own entries, through services.bank_reconcile.reconcile_all with suggestions only
  (auto off: what is timed is reading, pairing, matching and storing the suggestions), then once
  with auto on (posting every line above the threshold). Target: ≤ 2 s for 10,000 lines.
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from adapters.clock import SystemClock
from core.settings import Settings
from memory.contacts_store import ContactsStore
from memory.db import create_db_engine, session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from memory.migrate import upgrade
from memory.trading_store import TradingStore
from services.bank_import import import_statement_file
from services.bank_reconcile import reconcile_all
from tools.ledger.model import Journal, cr, dr
from tools.ledger.postings import DocumentLine

D = Decimal
START = date(2025, 7, 1)
PAYEES = ("BUNNINGS 4521 MARRICKVL", "OFFICEWORKS 0312 RI", "SHELL COLES EXPRESS", "TELSTRA BPAY",
          "GOOGLE*ADS", "UBER *TRIP", "AUSTRALIA POST 2042", "WOOLWORTHS 1123")


@dataclass
class Ctx:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: SystemClock


def _books(folder: Path) -> Ctx:
    engine = create_db_engine(f"sqlite:///{folder / 'bench.db'}")
    upgrade(engine)
    ctx = Ctx(Settings(home=folder), session_factory(engine), SystemClock())
    with unit_of_work(ctx.sessions) as session:
        LedgerStore(session, ctx.clock, "bench").create_organisation("Bench Pty Ltd", "51824753556")
    return ctx


def _csv(lines: list[tuple[date, Decimal, str]], opening: Decimal) -> bytes:
    out, balance = [], opening
    for day, amount, text in lines:
        balance += amount
        out.append(f'"{day:%d/%m/%Y}","{amount:+.2f}","{text}","{balance:+.2f}"')
    return ("\n".join(out) + "\n").encode()


def _noise(rng: random.Random, n: int) -> list[tuple[date, Decimal, str]]:
    days = sorted(START + timedelta(days=rng.randrange(365)) for _ in range(n))
    return [(d, -D(rng.randrange(500, 50_000)) / 100, f"VISA PURCHASE {rng.choice(PAYEES)} {k}")
            for k, d in enumerate(days)]


def bench_import(n: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    data = _csv(_noise(rng, n), D("100000.00"))
    with tempfile.TemporaryDirectory() as tmp:
        ctx = _books(Path(tmp))
        t0 = time.perf_counter()
        first = import_statement_file(ctx, data, "big.csv", actor="bench", account_code="1100")
        t1 = time.perf_counter()
        again = import_statement_file(ctx, data, "big.csv", actor="bench", account_code="1100")
        t2 = time.perf_counter()
    return {"lines": n, "mb": round(len(data) / 2**20, 1), "import_s": round(t1 - t0, 2),
            "new": first.lines_new, "reimport_s": round(t2 - t1, 2), "reimport_new": again.lines_new}


def bench_reconcile(n: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = _books(Path(tmp))
        lines: list[tuple[date, Decimal, str]] = []
        with unit_of_work(ctx.sessions) as session:
            contacts = ContactsStore(session, ctx.clock, "bench")
            trading = TradingStore(session, ctx.clock, "bench")
            ledger = LedgerStore(session, ctx.clock, "bench")
            suppliers = [contacts.create(f"Supplier {k} Pty Ltd", supplier=True).id for k in range(60)]
            for k in range(n // 4):                       # open bills, paid only in the bank
                issue = START + timedelta(days=rng.randrange(330))
                amount = D(rng.randrange(5_000, 500_000)) / 100
                bill = trading.create_invoice("bill", rng.choice(suppliers), f"B-{k:05d}", issue,
                                              [DocumentLine("Goods", D(1), amount, "5000", "GST")])
                lines.append((issue + timedelta(days=rng.randrange(3, 30)), -bill.total,
                              f"PAYMENT TO SUPPLIER {bill.contact_id} B-{k:05d}"))
            for k in range(n // 4):                       # the ledger's own entries
                day = START + timedelta(days=rng.randrange(360))
                amount = D(rng.randrange(1_000, 90_000)) / 100
                ledger.post(Journal(day, f"Merchant settlement {k}",
                                    (dr("1100", amount), cr("4000", amount))))
                lines.append((day + timedelta(days=rng.randrange(0, 3)), amount,
                              f"MERCHANT SETTLEMENT {k}"))
        lines += _noise(rng, n - len(lines))
        lines.sort(key=lambda t: t[0])
        import_statement_file(ctx, _csv(lines, D("500000.00")), "year.csv", actor="bench",
                              account_code="1100")
        t0 = time.perf_counter()
        suggest = reconcile_all(ctx, actor="bench", auto=False)
        t1 = time.perf_counter()
        posted = reconcile_all(ctx, actor="bench", auto=True)
        t2 = time.perf_counter()
    return {"lines": n, "suggest_s": round(t1 - t0, 2), "exceptions": suggest.as_dict()["exceptions"],
            "auto_s": round(t2 - t1, 2), "auto_reconciled": posted.auto_total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--import-lines", type=int, default=100_000)
    parser.add_argument("--reconcile-lines", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print(json.dumps({"import": bench_import(args.import_lines, args.seed),
                      "reconcile": bench_reconcile(args.reconcile_lines, args.seed)}, indent=2))


if __name__ == "__main__":
    main()
