"""The ledger's rules as pure functions: what makes a journal postable, reversals, trial balance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from tools.ledger.model import Account, Journal, JournalLine, TrialBalance, TrialBalanceRow
from tools.ledger.money import CENT
from tools.ledger.problems import Problem

ZERO = Decimal("0.00")


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def validate_journal(
    journal: Journal,
    accounts: Mapping[str, Account],
    lock_date: date | None,
    tax_codes: Iterable[str] = (),
) -> tuple[Problem, ...]:
    """Every reason this journal may not be posted; empty when it may."""
    problems: list[Problem] = []
    known_tax = set(tax_codes)
    if not journal.narration.strip():
        problems.append(Problem("no_narration", "A journal needs a narration saying what it is for"))
    if len(journal.lines) < 2:
        problems.append(Problem("too_few_lines", "A journal needs at least one debit and one credit line"))
    for n, line in enumerate(journal.lines, start=1):
        problems.extend(_line_problems(n, line, accounts, known_tax))
    amounts = [ln.amount for ln in journal.lines if isinstance(ln.amount, Decimal)]
    debits = sum((a for a in amounts if a > 0), ZERO)
    credits = -sum((a for a in amounts if a < 0), ZERO)
    if len(amounts) == len(journal.lines) and debits != credits:
        problems.append(
            Problem(
                "unbalanced",
                f"Journal does not balance: debits {_money(debits)}, credits {_money(credits)}, "
                f"difference {_money(abs(debits - credits))}",
            )
        )
    if lock_date is not None and journal.date <= lock_date:
        problems.append(
            Problem(
                "period_locked",
                f"The books are locked up to {lock_date:%d/%m/%Y}; "
                f"a journal dated {journal.date:%d/%m/%Y} cannot be posted",
            )
        )
    return tuple(problems)


def _line_problems(
    n: int, line: JournalLine, accounts: Mapping[str, Account], known_tax: set[str]
) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(line.amount, Decimal):
        kind = "float_amount" if isinstance(line.amount, float) else "bad_amount"
        problems.append(Problem(kind, f"Line {n}: amount {line.amount!r} must be an exact decimal"))
    elif not line.amount.is_finite() or line.amount != line.amount.quantize(CENT):
        problems.append(Problem("sub_cent_amount", f"Line {n}: amount {line.amount} is not whole cents"))
    elif line.amount == 0:
        problems.append(Problem("zero_line", f"Line {n}: a line of $0.00 records nothing"))
    account = accounts.get(line.account_code)
    if account is None:
        problems.append(Problem("unknown_account", f"Line {n}: there is no account {line.account_code!r}"))
    elif not account.active:
        problems.append(
            Problem("inactive_account", f"Line {n}: account {account.code} {account.name} is archived")
        )
    if line.tax_code is not None and known_tax and line.tax_code not in known_tax:
        problems.append(Problem("unknown_tax_code", f"Line {n}: there is no tax code {line.tax_code!r}"))
    return problems


def reversal_of(
    original_id: int, original: Journal, on: date, narration: str | None = None
) -> Journal:
    """The journal that cancels `original` exactly: every line negated, dated `on`."""
    return Journal(
        date=on,
        narration=narration or f"Reversal of journal {original_id}: {original.narration}",
        lines=tuple(
            JournalLine(ln.account_code, -ln.amount, ln.description, ln.tax_code, ln.contact_id)
            for ln in original.lines
        ),
        source_type="reversal",
        source_ref=str(original_id),
        reverses_journal_id=original_id,
    )


def trial_balance(
    balances: Iterable[tuple[Account, Decimal]], as_of: date | None
) -> TrialBalance:
    """One row per account from its net balance (debit positive); zero accounts are kept."""
    rows = tuple(
        TrialBalanceRow(
            code=acc.code,
            name=acc.name,
            type=acc.type,
            debit=bal if bal > 0 else ZERO,
            credit=-bal if bal < 0 else ZERO,
        )
        for acc, bal in sorted(balances, key=lambda pair: pair[0].code)
    )
    return TrialBalance(as_of=as_of, rows=rows)
