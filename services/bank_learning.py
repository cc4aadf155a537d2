"""What the bank learns from the books and from people: the categoriser (tools.bank.categorise),
trained on every categorised line and on the ledger entries bank lines settled, kept as versioned
data and retrained when the history grew; the rules a person writes; and rules proposed from a
person's repeated corrections, backtested against every earlier decision and used only when the
backtest found nothing it would have changed.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict
from decimal import Decimal

from memory.bank_schema import BankRuleRow
from memory.bank_store import BankStore, line_from_row
from memory.db import read_only, unit_of_work
from services.context import BooksContext
from tools.bank.categorise import Categoriser, train
from tools.bank.entries import entry_words
from tools.bank.payee import normalise_payee
from tools.bank.reconcile import BankRule
from tools.bank.rule_proposals import backtest_rule, propose_rule
from tools.bank.training import TrainingExample
from tools.ledger.problems import LedgerError

MIN_EXAMPLES = 10  # fewer than this teaches nothing worth a probability
_CONTROL_ROLES = ("accounts_payable", "accounts_receivable", "bank")


def training_examples(store: BankStore) -> tuple[list[TrainingExample], list[TrainingExample]]:
    """(history, corrections): every line categorised (by a rule, the categoriser or a person),
    and every ledger entry a line settled whose journal went to one ordinary account (the bank
    fee, the loan interest); corrections are a person's choices that differed from the top
    suggestion."""
    roles = store.ledger.roles()
    control = {roles[r] for r in _CONTROL_ROLES if r in roles}
    control |= {store.feed_code(f) for f in store.feeds()}
    accounts = store.ledger.accounts()
    history: list[TrainingExample] = []
    corrections: list[TrainingExample] = []
    for rec, row in store.reconciliations():
        line = line_from_row(row)
        account, tax = rec.account_code, rec.tax_code
        if rec.method == "entry":
            others = json.loads(rec.evidence).get("suggestion", {}).get("counter_accounts") or []
            if len(others) != 1 or others[0] in control:
                continue
            account = others[0]
            tax = accounts[account].tax_code if account in accounts else None
        elif rec.method not in ("categorise", "rule") or not account:
            continue
        example = TrainingExample(line.text, line.amount, line.posted, account, tax)
        history.append(example)
        if rec.corrected and rec.decided_by != "auto":
            corrections.append(example)
    return history, corrections


def entry_aliases(store: BankStore, *, min_times: int = 2) -> dict[str, frozenset[str]]:
    """What each payee's lines settled before: normalised payee → the words of the ledger entries
    its lines were reconciled with, each seen at least `min_times` (one decision is not a habit)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for rec, row in store.reconciliations():
        if rec.method != "entry":
            continue
        narration = json.loads(rec.evidence).get("suggestion", {}).get("narration") or ""
        counts[normalise_payee(line_from_row(row).text)].update(entry_words(narration))
    return {payee: frozenset(w for w, n in words.items() if n >= min_times)
            for payee, words in counts.items() if payee}


def current_categoriser(store: BankStore) -> tuple[Categoriser | None, int | None]:
    """The latest model, retrained first when the history holds examples it has not seen."""
    history, _ = training_examples(store)
    latest = store.latest_model()
    if latest is not None and latest.examples == len(history):
        return Categoriser.from_dict(json.loads(latest.model)), latest.version
    if len(history) < MIN_EXAMPLES:
        return None, latest.version if latest else None
    names = {code: a.name for code, a in store.ledger.accounts().items()}
    model = train(history, account_names=names)
    row = store.save_model(model.to_dict(), len(history))
    return model, row.version


def rule_from_row(row: BankRuleRow) -> BankRule:
    data = json.loads(row.rule)
    for key in ("amount_min", "amount_max"):
        if data.get(key) is not None:
            data[key] = Decimal(data[key])
    data["text_contains"] = tuple(data.get("text_contains") or ())
    return BankRule(**{**data, "rule_id": f"rule:{row.id}", "name": row.name})


def active_rules(store: BankStore) -> list[BankRule]:
    return [rule_from_row(r) for r in store.rules("active")]


def _rule_dict(rule: BankRule) -> dict:
    data = asdict(rule)
    data.pop("rule_id")
    data.pop("name")
    data["text_contains"] = list(rule.text_contains)
    return data


def after_person(store: BankStore) -> None:
    """A person decided a line: propose the rules their corrections now support. A proposal
    whose backtest is clean is used at once; one that would have changed an earlier decision
    waits, with its backtest, for a person to enable it."""
    history, corrections = training_examples(store)
    if not corrections:
        return
    known = {(tuple(json.loads(r.rule).get("text_contains") or ()), json.loads(r.rule)["account_code"])
             for r in store.rules()}
    for rule in propose_rule(corrections, history):
        if (rule.text_contains, rule.account_code) in known:
            continue
        test = backtest_rule(rule, history)
        store.add_rule(rule.name, _rule_dict(rule), status="active" if test.safe else "proposed",
                       source="learned", backtest=_backtest_dict(test))


def _backtest_dict(test) -> dict:  # type: ignore[no-untyped-def]
    return {"matched": test.matched, "agreed": test.agreed,
            "disagreed": [{"text": e.text, "amount": str(e.amount), "posted": e.posted.isoformat(),
                           "account_code": e.account_code} for e in test.disagreed[:10]]}


def _row_view(row: BankRuleRow) -> dict:
    return {"id": row.id, "name": row.name, "status": row.status, "source": row.source,
            "rule": json.loads(row.rule), "backtest": json.loads(row.backtest or "{}"),
            "created_by": row.created_by}


def list_rules(ctx: BooksContext) -> list[dict]:
    with read_only(ctx.sessions) as session:
        return [_row_view(r) for r in BankStore(session, ctx.clock, "read").rules()]


def add_rule(ctx: BooksContext, name: str, *, actor: str, contains: tuple[str, ...] = (),
             payee: str | None = None, account_code: str, tax_code: str | None = None,
             direction: str | None = None, amount_min: str | None = None,
             amount_max: str | None = None) -> dict:
    with unit_of_work(ctx.sessions) as session:
        store = BankStore(session, ctx.clock, actor)
        accounts = store.ledger.accounts()
        if account_code not in accounts:
            raise LedgerError.single("unknown_account", f"There is no account {account_code!r}")
        rule = BankRule(rule_id="new", name=name, account_code=account_code,
                        tax_code=tax_code or accounts[account_code].tax_code,
                        text_contains=tuple(contains), payee_equals=payee,
                        amount_min=Decimal(amount_min) if amount_min else None,
                        amount_max=Decimal(amount_max) if amount_max else None,
                        direction=direction)  # type: ignore[arg-type]
        if not (rule.text_contains or rule.payee_equals or rule.amount_min is not None
                or rule.amount_max is not None):
            raise LedgerError.single("empty_rule", "A rule needs at least one condition")
        history, _ = training_examples(store)
        test = backtest_rule(rule, history)
        if not test.safe:
            first = test.disagreed[0]
            raise LedgerError.single(
                "rule_contradicts_history",
                f"The rule would have changed {len(test.disagreed)} earlier decision(s), e.g. "
                f"{first.posted:%d/%m/%Y} {first.text[:40]!r} went to {first.account_code}")
        row = store.add_rule(name, _rule_dict(rule), status="active", source="person",
                             backtest=_backtest_dict(test))
        return _row_view(row)


def set_rule_status(ctx: BooksContext, rule_id: int, status: str, *, actor: str) -> dict:
    with unit_of_work(ctx.sessions) as session:
        store = BankStore(session, ctx.clock, actor)
        row = store.rule(rule_id)
        store.set_rule_status(row, status)
        return _row_view(row)
