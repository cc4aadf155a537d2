"""What bank reconciliation works on and proposes: open items, own accounts, a person's bank rules,
candidates, the settings, and the index that keeps matching fast (pure, immutable data).

Signs: a bank line's amount is signed from the business's side (money in +, money out -); an open
item's amount is the positive amount still open, with `direction` saying which way it moves money.
A candidate's `difference` is the bank amount less what it settles, signed the bank's way, so a
negative difference is money the business is out of pocket (a merchant fee taken from a receipt,
a bank fee added to a payment) and a positive one is money it gained (a customer's overpayment).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal, Protocol

from tools.bank.model import BankLine
from tools.bank.payee import normalise_payee, normalise_text, payee_tokens, reference_keys

ItemKind = Literal["bill", "sale", "payrun", "super", "tax"]
Direction = Literal["out", "in"]
CandidateKind = Literal["match", "transfer", "rule", "categorise"]

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OpenItem:
    """Something the bank may settle: an unpaid bill or invoice, a pay run's net wages, a super
    payment, a BAS or PAYG amount owing. `account_code` is the clearing account it settles."""
    item_id: str                      # "bill:12", "sale:40", "payrun:3", "super:2025-Q1"
    kind: ItemKind
    direction: Direction
    amount: Decimal                   # positive: what is still open
    contact: str
    number: str
    date: date                        # issue date, or the payment date of a pay run
    due: date | None
    account_code: str
    contact_id: int | None = None
    references: tuple[str, ...] = ()  # payment references: a BPAY CRN, a PO number


@dataclass(frozen=True)
class OwnAccount:
    """One of the business's own accounts, and how transfer narratives name it."""
    account_code: str
    name: str
    identifiers: tuple[str, ...] = ()  # "XX1234", "062-000 12345678", "12345678"


@dataclass(frozen=True, kw_only=True)
class BankRule:
    """A rule a person wrote (as in Xero): every condition given must hold. Amount limits compare
    the line's size (money in or out alike); `direction` limits it to one way."""
    rule_id: str
    name: str
    account_code: str
    tax_code: str | None = None
    contact_id: int | None = None
    text_contains: tuple[str, ...] = ()   # all must appear in the normalised text
    payee_equals: str | None = None       # compared after normalise_payee on both sides
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    direction: Direction | None = None


def rule_matches(rule: BankRule, line: BankLine) -> bool:
    """Whether every condition of `rule` holds for `line`. A rule with no conditions matches
    nothing: a rule that would take every line is a mistake, not a rule."""
    if not (rule.text_contains or rule.payee_equals or rule.amount_min is not None
            or rule.amount_max is not None):
        return False
    if rule.direction is not None and rule.direction != ("in" if line.amount > 0 else "out"):
        return False
    size = abs(line.amount)
    if rule.amount_min is not None and size < rule.amount_min:
        return False
    if rule.amount_max is not None and size > rule.amount_max:
        return False
    if rule.text_contains:
        text = normalise_text(line.text)
        if not all(normalise_text(needle) in text for needle in rule.text_contains):
            return False
    return rule.payee_equals is None or (
        normalise_payee(line.text) == normalise_payee(rule.payee_equals))


@dataclass(frozen=True)
class Candidate:
    """One way to reconcile a bank line, with how sure we are and why (in a bookkeeper's words).
    For a match, `allocations` say how much of each item the line settles; they add up to the
    line's size less the difference. `items` are the matched items themselves, so a journal can
    be written from the candidate alone."""
    kind: CandidateKind
    confidence: float
    reasons: tuple[str, ...]
    item_ids: tuple[str, ...] = ()
    allocations: tuple[tuple[str, Decimal], ...] = ()
    account_code: str | None = None     # categorise/rule/transfer target
    tax_code: str | None = None
    difference: Decimal = ZERO
    contact_id: int | None = None
    items: tuple[OpenItem, ...] = ()
    rule_id: str | None = None


@dataclass(frozen=True)
class ReconcileConfig:
    """How far a match may stretch. Whether a candidate is posted without a person is decided
    by the service, not here."""
    tolerance_amount: Decimal = Decimal("1.00")     # a difference this small is always allowed
    tolerance_fraction: Decimal = Decimal("0.02")   # ...or this share of the amount (fees, FX)
    difference_account_code: str = "6020"           # where a fee or rounding difference goes
    days_before_issue: int = 14     # a payment may come this long before the item's date
    days_after_due: int = 120       # ...and this long after it is due
    max_combination: int = 4        # items one payment may settle
    max_group: int = 24             # items of one contact searched for a combination
    max_candidates: int = 5


DEFAULT_CONFIG = ReconcileConfig()


@dataclass(frozen=True)
class Prediction:
    """A categoriser's guess: an account, its usual tax code, a calibrated probability, why."""
    account_code: str
    tax_code: str | None
    probability: float
    reasons: tuple[str, ...] = ()


class LineCategoriser(Protocol):
    def predict(self, line: BankLine, k: int = 3) -> Sequence[Prediction]: ...


@dataclass(frozen=True)
class LineProposal:
    line_key: str | None
    line: BankLine
    candidates: tuple[Candidate, ...]


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def contact_key(item: OpenItem) -> str:
    if item.contact_id is not None:
        return f"id:{item.contact_id}"
    return f"name:{normalise_payee(item.contact)}"


@dataclass(frozen=True)
class ItemIndex:
    """Open items looked up by what a bank line shows: amount in cents (per direction), the
    references they can be quoted by, and the first letters of their contacts' names."""
    items: tuple[OpenItem, ...]
    by_cents: dict[tuple[str, int], tuple[OpenItem, ...]]
    sorted_cents: dict[str, tuple[int, ...]]
    by_reference: dict[str, tuple[OpenItem, ...]]
    by_name_prefix: dict[str, tuple[str, ...]]        # 4-letter prefix -> contact keys
    contact_items: dict[str, tuple[OpenItem, ...]]
    contact_tokens: dict[str, tuple[str, ...]]
    contact_names: dict[str, str]
    by_kind: dict[str, tuple[OpenItem, ...]]
    reference_keys_of: dict[str, frozenset[str]] = field(default_factory=dict)


def _freeze(groups: dict[str, list[OpenItem]] | dict[tuple[str, int], list[OpenItem]]) -> dict:
    return {key: tuple(value) for key, value in groups.items()}


def build_index(items: Iterable[OpenItem]) -> ItemIndex:
    """Index open items once for many lines."""
    items = tuple(items)
    by_cents: dict[tuple[str, int], list[OpenItem]] = defaultdict(list)
    by_reference: dict[str, list[OpenItem]] = defaultdict(list)
    by_prefix: dict[str, set[str]] = defaultdict(set)
    contact_items: dict[str, list[OpenItem]] = defaultdict(list)
    by_kind: dict[str, list[OpenItem]] = defaultdict(list)
    contact_tokens: dict[str, tuple[str, ...]] = {}
    contact_names: dict[str, str] = {}
    keys_of: dict[str, frozenset[str]] = {}
    for item in items:
        by_cents[(item.direction, cents(item.amount))].append(item)
        keys = frozenset().union(*(reference_keys(r) for r in (item.number, *item.references)))
        keys_of[item.item_id] = keys
        for key in keys:
            by_reference[key].append(item)
        by_kind[item.kind].append(item)
        key = contact_key(item)
        contact_items[key].append(item)
        if key not in contact_tokens:
            contact_tokens[key] = payee_tokens(item.contact)
            contact_names[key] = item.contact
            for token in contact_tokens[key]:
                if len(token) >= 3:
                    by_prefix[token[:4]].add(key)
    sorted_cents: dict[str, tuple[int, ...]] = {
        direction: tuple(sorted({c for d, c in by_cents if d == direction}))
        for direction in ("in", "out")}
    return ItemIndex(items, _freeze(by_cents), sorted_cents, _freeze(by_reference),
                     {k: tuple(sorted(v)) for k, v in by_prefix.items()},
                     {k: tuple(sorted(v, key=lambda i: (i.due or i.date, i.item_id)))
                      for k, v in contact_items.items()},
                     contact_tokens, contact_names, _freeze(by_kind), keys_of)
