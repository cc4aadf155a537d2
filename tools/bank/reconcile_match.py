"""Open items one bank line settles: one item, or several of one contact (pure).

How sure a match is: evidence adds up as log-odds from a sceptical prior (PRIOR): the amount
(exact, or near within the tolerance), a quoted reference (the strongest signal), the payee
naming the contact (or the narrative saying PAYROLL, SUPER, ATO for pay runs, super and tax), how
the date sits against the item's date and due date; a payee that names a different contact counts
against, and each extra item in a combination costs a little. The log-odds become a probability
with the logistic function, and that is then shared with every other item that explains the line
about as well (a softmax over the line's match candidates), so two open bills of the same amount
from different suppliers each get at most half. An exact amount alone stays at 0.5 or below.
When many items share a round amount, only those the line names or quotes (and a few more) are
scored; the others still take their share, at what an amount alone would have earned them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from tools.bank.payee import reference_keys, token_similarity
from tools.bank.reconcile_facts import NOUNS, ROLES, LineFacts, money
from tools.bank.reconcile_model import (
    ZERO,
    Candidate,
    ItemIndex,
    OpenItem,
    ReconcileConfig,
    cents,
    contact_key,
)

PRIOR = -2.0            # log-odds that an item sharing something with a line is what it settles
EXACT_AMOUNT = 2.0
NEAR_AMOUNT = 1.0       # at zero difference; falls by 2.0 across the tolerance
REFERENCE = 4.0
NAME = 3.0              # times the payee similarity, when it is at least NAME_FLOOR
NAME_FLOOR = 0.5
KEYWORD = 2.5           # PAYROLL / SUPER / ATO for pay runs, super and tax
NO_NAME = -0.5
OTHER_CONTACT = -3.5     # the payee clearly names another contact with open items
ON_TIME = 0.5
EARLY = -0.5
EARLY_PER_DAY = 0.1
EARLY_MAX = -2.0
PER_EXTRA_ITEM = -0.25
NEAR_COMBINATION = -1.0  # several items that do not add up to the cent: rarely how a payer pays
PART_PAYMENT = -1.5
MAX_CONFIDENCE = 0.99
LATER_OF_SAME = 0.25     # a later item of a contact's same-amount group (the oldest is paid first)
MAX_NAME_COMPARISONS = 40
MAX_SAME_AMOUNT = 12     # items of one amount scored in full for a line
TOLERANT_KINDS = frozenset({"bill", "sale"})   # pay runs, super and tax are paid to the cent


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -40 else 0.0



@dataclass
class _Scored:
    items: tuple[OpenItem, ...]
    allocations: tuple[tuple[str, Decimal], ...]
    logit: float
    reasons: list[str]
    difference: Decimal
    corroborated: bool              # a reference, the payee's name or a PAYROLL/SUPER/ATO word
    quoted: bool = False            # the line quotes a reference of these items


def _tolerance(size: Decimal, config: ReconcileConfig) -> Decimal:
    return max(config.tolerance_amount, (size * config.tolerance_fraction).quantize(Decimal("0.01")))


def _date_evidence(facts: LineFacts, item: OpenItem, config: ReconcileConfig
                   ) -> tuple[float, str] | None:
    """Log-odds for when the line falls against the item's dates; None outside the window."""
    posted, noun = facts.line.posted, NOUNS[item.kind]
    verb = "paid" if item.direction == "out" else "received"
    early = (item.date - posted).days
    if early > config.days_before_issue:
        return None
    due = item.due or item.date
    late = (posted - due).days
    if late > config.days_after_due:
        return None
    if item.kind not in TOLERANT_KINDS and abs((posted - item.date).days) <= 3:
        return ON_TIME, f"{verb} within 3 days of the {noun}'s date"
    if early > 0:
        # Paid before the document existed: a deposit at most, less likely the earlier it is.
        return (max(EARLY_MAX, EARLY - EARLY_PER_DAY * early),
                f"{verb} {early} days before the {noun}'s date")
    if late > 7:
        return -min(1.5, late / 60), f"{verb} {late} days after due"
    if late > 0:
        return 0.0, f"{verb} {late} days after due"
    return ON_TIME, f"{verb} on the due date" if late == 0 else f"{verb} {-late} days before due"


def _keyword(facts: LineFacts, kind: str) -> str | None:
    if kind == "payrun" and facts.says_payroll:
        return "the narrative says it is wages"
    if kind == "super" and facts.says_super:
        return "the narrative names a super fund or clearing house"
    if kind == "tax" and facts.says_ato and not facts.says_super:
        return "the narrative names the ATO"
    return None


def _name_evidence(facts: LineFacts, items: Sequence[OpenItem], index: ItemIndex,
                   contact_sims: dict[str, float]) -> tuple[float, list[str]]:
    item = items[0]
    if item.kind not in TOLERANT_KINDS:
        said = _keyword(facts, item.kind)
        return (KEYWORD, [said]) if said else (NO_NAME, [])
    key = contact_key(item)
    sim = contact_sims.get(key)
    if sim is None:
        sim = token_similarity(facts.tokens, index.contact_tokens.get(key, ()))
    if sim >= NAME_FLOOR:
        payee = " ".join(facts.tokens).title()
        return NAME * sim, [f"payee {payee} matches {ROLES[item.kind]} {item.contact}"]
    others = [(s, k) for k, s in contact_sims.items() if k != key and s >= 0.8]
    if others:
        return OTHER_CONTACT, [(f"the payee looks like {index.contact_names[max(others)[1]]}, "
                                f"not {item.contact}")]
    return NO_NAME, []


def _amount_evidence(facts: LineFacts, items: tuple[OpenItem, ...], settled: Decimal,
                     config: ReconcileConfig) -> tuple[float, str]:
    first, noun = items[0], NOUNS[items[0].kind]
    source = f"from {first.contact}" if first.kind in TOLERANT_KINDS else f"({first.contact})"
    gap = facts.size - settled
    if settled < sum((i.amount for i in items), ZERO):
        return PART_PAYMENT, (f"pays part of {noun} {first.number}: {money(settled)} of "
                              f"{money(first.amount)}")
    if len(items) == 1:
        what = f"{noun} {first.number} {source}"
    else:
        what = (f"{len(items)} {noun}s {source}: "
                + ", ".join(f"{i.number} {money(i.amount)}" for i in items))
    if gap == 0:
        return EXACT_AMOUNT, (f"amount equals {what}" if len(items) == 1
                              else f"{what} add up to the amount")
    closeness = (NEAR_AMOUNT - 2.0 * float(abs(gap) / _tolerance(facts.size, config))
                 + (NEAR_COMBINATION if len(items) > 1 else 0.0))
    return closeness, (f"amount is {money(abs(gap))} {'less' if gap < 0 else 'more'} than "
                       f"{what} ({money(settled)}); the difference goes to "
                       f"{config.difference_account_code}")


def _quoted_reference(item: OpenItem, facts: LineFacts) -> str | None:
    """The item's number or payment reference the line quotes, if it quotes one."""
    for reference in (item.number, *item.references):
        if reference_keys(reference) & facts.reference_keys:
            return reference
    return None


def _score(facts: LineFacts, items: tuple[OpenItem, ...], allocations: tuple[Decimal, ...],
           index: ItemIndex, contact_sims: dict[str, float], config: ReconcileConfig,
           ) -> _Scored | None:
    """The evidence that `items` (with these allocations) are what the line settles."""
    when = [_date_evidence(facts, item, config) for item in items]
    if any(w is None for w in when):
        return None
    settled = sum(allocations, ZERO)
    amount_logit, amount_reason = _amount_evidence(facts, items, settled, config)
    reasons = [amount_reason]
    quoted = [r for r in (_quoted_reference(i, facts) for i in items
                          if index.reference_keys_of.get(i.item_id, frozenset())
                          & facts.reference_keys) if r]
    if quoted:
        reasons.append(f"reference {', '.join(quoted)} found in the description")
    name_logit, name_reasons = _name_evidence(facts, items, index, contact_sims)
    reasons += name_reasons
    dated = [w for w in when if w is not None]
    date_logit = sum(w[0] for w in dated) / len(dated)
    if len(items) == 1:
        reasons.append(dated[0][1])
    # Items that share the one reference the line quotes (a payment run's, a remittance's) are
    # one thing to the payer: no cost for each extra item then.
    shared = frozenset.intersection(*(index.reference_keys_of.get(i.item_id, frozenset())
                                      for i in items)) & facts.reference_keys
    extra = 0.0 if len(items) > 1 and shared else PER_EXTRA_ITEM * (len(items) - 1)
    logit = (PRIOR + amount_logit + REFERENCE * len(quoted) / len(items) + name_logit
             + date_logit + extra)
    gap = facts.size - settled
    difference = (gap if facts.direction == "in" else -gap) if gap else ZERO
    return _Scored(items, tuple((i.item_id, a) for i, a in zip(items, allocations)), logit,
                   reasons, difference, bool(quoted) or name_logit > 0, bool(quoted))


def _contact_similarities(facts: LineFacts, index: ItemIndex) -> dict[str, float]:
    """Contacts with open items whose names the payee resembles. Candidates come from 4-letter
    word prefixes; only those sharing the most words with the payee are compared in full, so a
    common trade word ("PLUMBING") does not mean comparing every plumber."""
    hits: dict[str, int] = {}
    for token in dict.fromkeys(t[:4] for t in facts.tokens if len(t) >= 3):
        for key in index.by_name_prefix.get(token, ()):
            hits[key] = hits.get(key, 0) + 1
    if not hits:
        return {}
    most = max(hits.values())
    keys = [k for k, n in hits.items() if n == most][:MAX_NAME_COMPARISONS]
    sims = {k: token_similarity(facts.tokens, index.contact_tokens[k]) for k in keys}
    return {k: s for k, s in sims.items() if s >= NAME_FLOOR}


def _subsets(amounts: Sequence[int], target: int, tolerance: int, max_k: int,
             limit: int = 20) -> list[tuple[int, ...]]:
    """Index sets of 2..max_k amounts (sorted largest first) within `tolerance` of `target`."""
    found: list[tuple[int, ...]] = []
    chosen: list[int] = []

    def walk(start: int, total: int) -> None:
        if len(found) >= limit:
            return
        if len(chosen) >= 2 and abs(total - target) <= tolerance:
            found.append(tuple(chosen))
        if len(chosen) == max_k:
            return
        for i in range(start, len(amounts)):
            amount = amounts[i]
            if total + amount > target + tolerance:
                continue
            if total + amount * (max_k - len(chosen)) < target - tolerance:
                break                          # even the largest left cannot reach the target
            chosen.append(i)
            walk(i + 1, total + amount)
            chosen.pop()

    walk(0, 0)
    return found


def _combinations(facts: LineFacts, groups: list[list[OpenItem]], config: ReconcileConfig
                  ) -> list[tuple[OpenItem, ...]]:
    target = cents(facts.size)
    tolerance = cents(_tolerance(facts.size, config))
    out: list[tuple[OpenItem, ...]] = []
    for group in groups:
        group = sorted(group[:config.max_group], key=lambda i: -i.amount)
        amounts = [cents(i.amount) for i in group]
        for chosen in _subsets(amounts, target, tolerance, config.max_combination):
            out.append(tuple(group[i] for i in chosen))
    return list(dict.fromkeys(out))


def match_candidates(facts: LineFacts, index: ItemIndex, config: ReconcileConfig
                     ) -> list[Candidate]:
    """Open items (one, or several of one contact) this line settles, most likely first."""
    size_cents = cents(facts.size)
    tolerance = _tolerance(facts.size, config)
    contact_sims = _contact_similarities(facts, index)
    quoted: dict[str, OpenItem] = {i.item_id: i for k in facts.reference_keys
                                   for i in index.by_reference.get(k, ())
                                   if i.direction == facts.direction}
    same_amount = index.by_cents.get((facts.direction, size_cents), ())
    unseen_rivals = 0
    if len(same_amount) > MAX_SAME_AMOUNT:
        # A round amount many items share: score those the line names or quotes and a few
        # others; the rest still count as rivals in the share, at what an amount alone is worth.
        said = [i for i in same_amount if i.item_id in quoted or contact_key(i) in contact_sims]
        unsaid = [i for i in same_amount if i.item_id not in quoted
                  and contact_key(i) not in contact_sims]
        kept = unsaid[:max(MAX_SAME_AMOUNT - len(said), 0)]
        unseen_rivals = len(unsaid) - len(kept)
        same_amount = tuple(said + kept)
    pool: dict[str, OpenItem] = {i.item_id: i for i in same_amount}
    named = sorted(contact_sims, key=lambda k: -contact_sims[k])[:2]
    for key in named:
        for item in index.contact_items[key][:config.max_group]:
            if item.direction == facts.direction and abs(item.amount - facts.size) <= tolerance:
                pool[item.item_id] = item
    pool.update(quoted)
    scored: list[_Scored] = []
    for item in pool.values():
        if item.direction != facts.direction:
            continue
        gap = facts.size - item.amount
        if gap == 0 or (item.kind in TOLERANT_KINDS and abs(gap) <= tolerance):
            allocation = item.amount
        elif item.item_id in quoted and gap < 0:
            allocation = facts.size              # a part payment that quotes the item
        else:
            continue
        found = _score(facts, (item,), (allocation,), index, contact_sims, config)
        if found is not None and (gap == 0 or found.corroborated):
            scored.append(found)               # a near amount needs a name or a reference
    strong = any(s.difference == 0 and s.corroborated
                 and all(a == i.amount for i, (_, a) in zip(s.items, s.allocations))
                 for s in scored)                # settled in full: no need to look further
    if not strong:
        groups = [[i for i in index.contact_items[k] if i.direction == facts.direction
                   and i.kind in TOLERANT_KINDS] for k in named]
        combos = []
        if len(quoted) >= 2:
            groups.append(list(quoted.values()))
            every = tuple(i for i in quoted.values() if i.direction == facts.direction)
            if len(every) > config.max_combination and sum(i.amount for i in every) == facts.size:
                combos.append(every)       # one line for every item quoting its reference
        for combo in combos + _combinations(facts, groups, config):
            found = _score(facts, combo, tuple(i.amount for i in combo), index, contact_sims,
                           config)
            if found is not None and (found.difference == 0 or found.corroborated):
                scored.append(found)
    # What an unscored item of the same amount would have scored, at its best date.
    names_another = any(sim >= 0.8 for sim in contact_sims.values())
    rival_logit = PRIOR + EXACT_AMOUNT + (OTHER_CONTACT if names_another else NO_NAME) + ON_TIME
    return _share(scored, unseen_rivals, rival_logit)


def _oldest_first(scored: list[_Scored]) -> dict[int, tuple[int, int]]:
    """Items one contact has open for the same amount, none of them quoted, are the same to the
    line: the oldest is paid first (as suppliers and customers allocate). Index → (the index
    that takes the group's share, how many are in the group)."""
    groups: dict[tuple, list[int]] = {}
    for n, s in enumerate(scored):
        if len(s.items) == 1 and not s.quoted and s.corroborated:
            item = s.items[0]
            groups.setdefault((contact_key(item), item.kind, item.amount, s.allocations[0][1],
                               s.difference), []).append(n)
    out: dict[int, tuple[int, int]] = {}
    for members in groups.values():
        if len(members) > 1:
            first = min(members, key=lambda n: (scored[n].items[0].due or scored[n].items[0].date,
                                                scored[n].items[0].date, scored[n].items[0].number))
            out.update({n: (first, len(members)) for n in members})
    return out


def _share(scored: list[_Scored], unseen_rivals: int = 0, rival_logit: float = 0.0
           ) -> list[Candidate]:
    """Probabilities from log-odds, shared among the items that explain the line as well
    (`unseen_rivals` more of the same amount were not scored; each counts at `rival_logit`).
    A group of interchangeable items (`_oldest_first`) counts once, at its best, for its oldest."""
    if not scored:
        return []
    top = max(s.logit for s in scored)
    weights = [math.exp(s.logit - top) for s in scored]
    grouped = _oldest_first(scored)
    best = {first: max(weights[m] for m, (f, _) in grouped.items() if f == first)
            for first, _ in grouped.values()}
    rival_weight = math.exp(rival_logit - top)
    total = (sum(w for n, w in enumerate(weights) if n not in grouped) + sum(best.values())
             + unseen_rivals * rival_weight)
    counted = [w for n, w in enumerate(weights) if n not in grouped] + list(best.values())
    out = []
    for n, (s, weight) in enumerate(zip(scored, weights)):
        reasons = list(s.reasons)
        logit = s.logit
        if n in grouped:
            first, size = grouped[n]
            item = s.items[0]
            if n == first:
                weight = best[first]
                logit = top + math.log(weight)
                reasons.append(f"the oldest of {size} open {NOUNS[item.kind]}s of "
                               f"{money(item.amount)} from {item.contact}: paid first")
            else:
                weight *= LATER_OF_SAME
                reasons.append(f"an older {NOUNS[item.kind]} of the same amount from "
                               f"{item.contact} is paid first")
        share = weight / total
        rivals = sum(1 for w in counted if 0.2 * weight <= w <= 5 * weight) - 1
        if 0.2 * weight <= rival_weight <= 5 * weight:
            rivals += unseen_rivals
        if rivals > 0:
            reasons.append(f"{rivals} other open item{'s' if rivals > 1 else ''} "
                           f"fit{'' if rivals > 1 else 's'} this line about as well")
        confidence = min(MAX_CONFIDENCE, _sigmoid(logit)) * share
        out.append(Candidate(
            "match", round(confidence, 4), tuple(reasons),
            item_ids=tuple(i.item_id for i in s.items), allocations=s.allocations,
            difference=s.difference, items=s.items,
            contact_id=s.items[0].contact_id if len({i.contact_id for i in s.items}) == 1
            else None))
    return sorted(out, key=lambda c: -c.confidence)
