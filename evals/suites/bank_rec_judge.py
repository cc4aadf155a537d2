"""Judging the bank-rec suite (pure): is a suggestion right for a line, given the line's truth;
what happened to each held-out line; the counts, judgements and diff lines of a business.

A suggestion (as services.bank_evidence stores it) is right when it does what the truth says:

* entry     - it claims that very ledger entry;
* match     - it settles exactly the truth's bills or invoices, each in full (a fee taken from a
              receipt is the difference, not a part payment);
* transfer  - a transfer to the other bank account, the ledger entry the other side's transfer
              already posted on this account (its only counter account is the other bank), or a
              categorisation to that account;
* category  - a categorisation or rule to the truth's account with its tax code (the suggestion's,
              else the account's default);
* unknown   - nothing is right: a person has to find out.

A line whose truth is ambiguous (two open bills of its amount, nothing in the text to tell them
apart) is never right to settle with no person, whichever bill is chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from evals.generators.bank_books import Truth
from evals.harness.model import Judgement

TRUTH_KINDS = ("entry", "match", "transfer", "category", "unknown")
METRIC_KIND = {"entry": "entry", "match": "match", "transfer": "transfer", "category": "categorise",
               "unknown": "unknown"}


def _effective_tax(suggestion: Mapping, default_tax: Mapping[str, str | None]) -> str | None:
    return suggestion.get("tax_code") or default_tax.get(suggestion.get("account_code") or "")


def settles_in_full(suggestion: Mapping) -> bool:
    amounts = {i["id"]: Decimal(str(i["amount"])) for i in suggestion.get("items") or ()}
    allocations = suggestion.get("allocations") or ()
    return bool(allocations) and all(
        item_id in amounts and Decimal(str(a)) == amounts[item_id] for item_id, a in allocations)


def right(suggestion: Mapping | None, truth: Truth, default_tax: Mapping[str, str | None]) -> bool:
    """Whether `suggestion` reconciles the line as its truth says (see the module doc)."""
    if suggestion is None or truth.kind == "unknown":
        return False
    kind = suggestion.get("kind")
    if truth.kind == "entry":
        return kind == "entry" and suggestion.get("entry") is not None \
            and int(suggestion["entry"]) == truth.entry
    if truth.kind == "match":
        return (kind == "match" and tuple(sorted(suggestion.get("item_ids") or ())) == truth.items
                and settles_in_full(suggestion))
    account = suggestion.get("account_code")
    if truth.kind == "transfer":
        if kind == "entry":
            return list(suggestion.get("counter_accounts") or ()) == [truth.account_code]
        return kind in ("transfer", "categorise", "rule") and account == truth.account_code
    if truth.kind == "category":
        return (kind in ("categorise", "rule") and account == truth.account_code
                and (truth.tax_code is None
                     or _effective_tax(suggestion, default_tax) == truth.tax_code))
    return False


@dataclass(frozen=True)
class LineOutcome:
    """What the held-out run did with one line."""
    line_id: int
    account_code: str
    posted: date
    amount: Decimal
    text: str
    truth: Truth
    auto: bool                        # reconciled by the run, with no person
    applied: Mapping | None = None    # the suggestion it applied (auto)
    top: Mapping | None = None        # the best suggestion left for a person (not auto)


@dataclass(frozen=True)
class Verdict:
    outcome: LineOutcome
    decision: Mapping | None          # the applied suggestion, else the top one
    correct: bool                     # that decision is right (False when there is none)

    @property
    def auto(self) -> bool:
        return self.outcome.auto

    @property
    def truth(self) -> Truth:
        return self.outcome.truth

    @property
    def wrong_bill(self) -> bool:
        """Applied with no person, settling bills or invoices it should not have."""
        return self.auto and bool(self.decision) and self.decision.get("kind") == "match" \
            and not self.correct

    @property
    def judged_exception(self) -> bool:
        """An exception whose top suggestion can be right or wrong (a truth someone can know)."""
        return not self.auto and self.truth.kind != "unknown" and not self.truth.ambiguous


def judge(outcome: LineOutcome, default_tax: Mapping[str, str | None]) -> Verdict:
    decision = outcome.applied if outcome.auto else outcome.top
    ok = right(decision, outcome.truth, default_tax)
    if outcome.truth.ambiguous and outcome.auto:
        ok = False
    return Verdict(outcome, decision, ok)


def counts(verdicts: Iterable[Verdict]) -> dict[str, float]:
    """The numbers the suite adds up over businesses (counts, never rates)."""
    out: dict[str, float] = {"heldout": 0.0, "auto": 0.0, "auto_correct": 0.0, "wrong_bill": 0.0,
                             "ambiguous": 0.0, "ambiguous_auto": 0.0, "exceptions": 0.0,
                             "exceptions_judged": 0.0, "exceptions_top1": 0.0,
                             "exceptions_no_suggestion": 0.0}
    for k in TRUTH_KINDS:
        out[f"lines.{k}"] = out[f"auto.{k}"] = out[f"auto_correct.{k}"] = 0.0
    for v in verdicts:
        k = v.truth.kind
        out["heldout"] += 1
        out[f"lines.{k}"] += 1
        out["ambiguous"] += v.truth.ambiguous
        if v.auto:
            out["auto"] += 1
            out[f"auto.{k}"] += 1
            out["auto_correct"] += v.correct
            out[f"auto_correct.{k}"] += v.correct
            out["wrong_bill"] += v.wrong_bill
            out["ambiguous_auto"] += v.truth.ambiguous
        else:
            out["exceptions"] += 1
            out["exceptions_no_suggestion"] += v.decision is None
            if v.judged_exception:
                out["exceptions_judged"] += 1
                out["exceptions_top1"] += v.correct
    return out


def judgements(verdicts: Iterable[Verdict]) -> tuple[Judgement, ...]:
    """("bank:<kind of the suggestion>", its confidence, right?) and "bank:overall", for every
    line with a decision (applied, or the top suggestion left for a person)."""
    out: list[Judgement] = []
    for v in verdicts:
        if not v.decision or v.decision.get("confidence") is None:
            continue
        confidence = float(v.decision["confidence"])
        ok = v.correct and not v.truth.ambiguous
        out.append(Judgement(f"bank:{v.decision.get('kind')}", confidence, ok))
        out.append(Judgement("bank:overall", confidence, ok))
    return tuple(out)


def describe(suggestion: Mapping | None) -> str:
    if not suggestion:
        return "no suggestion"
    kind = suggestion.get("kind")
    conf = suggestion.get("confidence")
    shown = f" ({float(conf):.3f})" if conf is not None else ""
    if kind == "entry":
        what = f"entry {suggestion.get('entry')} {str(suggestion.get('narration') or '')[:50]!r}"
    elif kind == "match":
        numbers = [f"{i.get('number')} {i.get('contact')}" for i in suggestion.get("items") or ()]
        what = f"match {', '.join(numbers) or suggestion.get('item_ids')}"
        if suggestion.get("difference") not in (None, "0", "0.00"):
            what += f" (difference {suggestion['difference']})"
    else:
        what = f"{kind} {suggestion.get('account_code')} {suggestion.get('tax_code') or ''}".rstrip()
    return what + shown


def diff_lines(verdicts: Sequence[Verdict], limit: int = 80) -> tuple[str, ...]:
    """One line per wrong automatic decision, then per exception whose top suggestion is wrong."""
    wrong_auto = [v for v in verdicts if v.auto and not v.correct]
    wrong_top = [v for v in verdicts if v.judged_exception and not v.correct]
    out = []
    for label, group in (("AUTO WRONG", wrong_auto), ("exception, top wrong", wrong_top)):
        for v in group:
            o = v.outcome
            out.append(f"{label}: {o.posted:%d/%m/%Y} {o.account_code} {o.amount:+,.2f} "
                       f"{o.text[:70]!r}: truth {o.truth.note}; got {describe(v.decision)}")
    if len(out) > limit:
        out = [*out[:limit], f"... and {len(out) - limit} more"]
    return tuple(out)
