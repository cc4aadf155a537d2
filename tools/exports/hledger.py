"""The whole ledger as an hledger journal (plain text, read by hledger 1.25 and later).

Every account is declared (`account` directive with its hledger type), so is the one commodity
(`commodity AUD 1,000.00`), so `hledger check --strict` passes and `hledger balance` shows the
trial balance. Accounts are named by type, code and name ("expenses:6100 Rent"); a transaction
carries the journal's date, its id as the code, the narration as description, and the source,
reference and idempotency key as tags; a posting carries its tax code and contact as tags.

hledger's syntax gives a few characters meaning, so they are replaced where they would be read:
in a description or comment ";" starts a comment and "word:" a tag; in an account name ":" is a
level and two spaces end the name. Newlines become spaces everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tools.exports.model import CENT, Books, PostedJournal, one_line
from tools.ledger.model import Account

ROOTS = {"asset": ("assets", "A"), "liability": ("liabilities", "L"), "equity": ("equity", "E"),
         "revenue": ("revenue", "R"), "expense": ("expenses", "X")}
COMMODITY = "AUD"


def account_name(account: Account) -> str:
    root, _ = ROOTS[account.type]
    name = one_line(account.name).replace(":", "-").replace(";", ",")
    return f"{root}:{account.code} {name}".rstrip()


def hledger_amount(amount: Decimal) -> str:
    """"AUD 1,234.56" / "AUD -1,234.56": the commodity's declared style, exact to the cent."""
    exact = amount.quantize(CENT)
    if exact != amount:
        raise ValueError(f"{amount} is not a whole number of cents")
    return f"{COMMODITY} {exact:,.2f}"


def _text(text: str | None) -> str:
    """Free text where hledger reads ";" as a comment and "word:" as a tag."""
    return one_line(text).replace(";", ",").replace(":", " -")


def _tag_value(value: object) -> str:
    """A tag's value ends at a comma."""
    return one_line(str(value)).replace(",", " ").replace(";", " ")


def _tags(pairs: Iterable[tuple[str, object]]) -> str:
    return ", ".join(f"{name}:{_tag_value(value)}" for name, value in pairs
                     if value is not None and value != "")


def _transaction(posted: PostedJournal, names: dict[str, str]) -> list[str]:
    j = posted.journal
    tags = _tags((("journal", posted.id), ("source", j.source_type), ("ref", j.source_ref),
                  ("key", j.idempotency_key), ("reverses", j.reverses_journal_id)))
    lines = [f"{j.date.isoformat()} * ({posted.id}) {_text(j.narration) or '-'}  ; {tags}"]
    for ln in j.lines:
        comment = " ".join(part for part in (
            _text(ln.description),
            _tags((("tax", ln.tax_code), ("contact", ln.contact_id)))) if part)
        posting = f"    {names[ln.account_code]}  {hledger_amount(ln.amount)}"
        lines.append(f"{posting}  ; {comment}" if comment else posting)
    return lines


def hledger_journal(books: Books) -> str:
    """The journal text: header comments, directives, then every posted journal by date and id."""
    accounts = sorted(books.accounts, key=lambda a: a.code)
    names = {a.code: account_name(a) for a in accounts}
    out = [f"; {_text(books.organisation)}: general ledger exported by Backoffice",
           f"; {len(books.journals)} journals, amounts in {COMMODITY}", "",
           f"commodity {COMMODITY} 1,000.00", ""]
    for a in accounts:
        out.append(f"account {names[a.code]}  ; type:{ROOTS[a.type][1]}")
    for posted in sorted(books.journals, key=lambda p: (p.journal.date, p.id)):
        out.append("")
        out.extend(_transaction(posted, names))
    return "\n".join(out) + "\n"


def journal_balances(books: Books) -> dict[str, Decimal]:
    """Each account's balance (debit positive) over the exported journals: what hledger's balance
    report must show, and what the trial balance says."""
    totals: dict[str, Decimal] = {}
    for posted in books.journals:
        for ln in posted.journal.lines:
            totals[ln.account_code] = totals.get(ln.account_code, Decimal("0.00")) + ln.amount
    return totals
