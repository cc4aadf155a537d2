"""Bank reconciliation, the pure kernel: candidates for each bank line, best first, and the
journal a chosen one posts. The data lives in reconcile_model, open-item matching (and how its
confidence is worked out) in reconcile_match, transfers, rules and the categoriser in
reconcile_alternatives, the journals in reconcile_journal. This module ranks them for one line
(`suggest`) and for many (`reconcile`), where an open item must not be the confident answer for
two lines.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import replace

from tools.bank.model import BankLine
from tools.bank.reconcile_alternatives import (
    categoriser_candidates,
    rule_candidates,
    transfer_candidates,
)
from tools.bank.reconcile_facts import NOUNS, LineFacts
from tools.bank.reconcile_journal import DEFAULT_TAX_RATES, gst_in_gross, reconciliation_journal
from tools.bank.reconcile_match import match_candidates
from tools.bank.reconcile_model import (
    DEFAULT_CONFIG,
    BankRule,
    Candidate,
    ItemIndex,
    LineCategoriser,
    LineProposal,
    OpenItem,
    OwnAccount,
    Prediction,
    ReconcileConfig,
    build_index,
    rule_matches,
)

__all__ = ["DEFAULT_TAX_RATES", "BankRule", "Candidate", "ItemIndex", "LineCategoriser",
           "LineProposal", "OpenItem", "OwnAccount", "Prediction", "ReconcileConfig",
           "build_index", "gst_in_gross", "reconcile", "reconciliation_journal", "rule_matches",
           "suggest"]

DEMOTED_CAP = 0.45      # a match that lost its item to another line stays below any auto level


_KIND_ORDER = {"match": 0, "transfer": 1, "rule": 2, "categorise": 3}


def suggest(
    line: BankLine,
    items: Sequence[OpenItem],
    *,
    rules: Sequence[BankRule] = (),
    own_accounts: Sequence[OwnAccount] = (),
    categoriser: LineCategoriser | None = None,
    config: ReconcileConfig = DEFAULT_CONFIG,
    index: ItemIndex | None = None,
    bank_account_code: str | None = None,
) -> tuple[Candidate, ...]:
    """The best few ways to reconcile `line`, best first. Pass `index` (build_index(items)) when
    suggesting for many lines; `bank_account_code` is the line's own account, never a transfer
    target."""
    index = index if index is not None else build_index(items)
    facts = LineFacts.of(line)
    matches = match_candidates(facts, index, config)
    best_match = matches[0].confidence if matches else 0.0
    ruled = rule_candidates(line, rules, best_match)
    everything = (matches + transfer_candidates(facts, own_accounts, bank_account_code) + ruled
                  + categoriser_candidates(line, categoriser, ruled, best_match))
    ranked = sorted(everything, key=lambda c: (-c.confidence, _KIND_ORDER[c.kind]))
    return tuple(ranked[:config.max_candidates])


def demote(candidate: Candidate, cap: float, reason: str) -> Candidate:
    return replace(candidate, confidence=round(min(candidate.confidence * 0.5, cap), 4),
                   reasons=(*candidate.reasons, reason))


def _claims(candidate: Candidate) -> tuple[OpenItem, ...]:
    """The items a candidate settles in full (a part payment leaves the item open for others)."""
    if candidate.kind != "match":
        return ()
    allocated = dict(candidate.allocations)
    return tuple(i for i in candidate.items if allocated.get(i.item_id) == i.amount)


def _lost_to(item: OpenItem, winner: BankLine) -> str:
    way = "in" if winner.amount > 0 else "out"
    return (f"{NOUNS[item.kind]} {item.number} is also the best match for another line "
            f"({winner.posted:%d/%m/%Y}, ${abs(winner.amount):,.2f} {way})")


def reconcile(
    lines: Sequence[BankLine],
    items: Sequence[OpenItem],
    *,
    rules: Sequence[BankRule] = (),
    own_accounts: Sequence[OwnAccount] = (),
    categoriser: LineCategoriser | None = None,
    config: ReconcileConfig = DEFAULT_CONFIG,
    keys: Sequence[str | None] | None = None,
    bank_account_code: str | None = None,
) -> tuple[LineProposal, ...]:
    """Candidates for every line, in the lines' order. Conflicts are settled greedily, surest
    first: when a line's best candidate settles an item a surer line already took, it is demoted
    below that line's next candidate, with the reason. `keys` are the lines' keys (line_key)."""
    index = build_index(items)
    suggested = [list(suggest(line, items, rules=rules, own_accounts=own_accounts,
                              categoriser=categoriser, config=config, index=index,
                              bank_account_code=bank_account_code)) for line in lines]
    claimed: dict[str, int] = {}              # item id -> the line that settles it
    demoted: list[list[Candidate]] = [[] for _ in lines]
    final: list[tuple[Candidate, ...]] = [() for _ in lines]
    heap = [(-c[0].confidence, n) for n, c in enumerate(suggested) if c]
    heapq.heapify(heap)

    def lost(candidate: Candidate, n: int) -> Candidate:
        """`candidate` demoted when another line took one of its items; itself when none."""
        taken = next((i for i in _claims(candidate) if claimed.get(i.item_id, n) != n), None)
        if taken is None:
            return candidate
        return demote(candidate, DEMOTED_CAP, _lost_to(taken, lines[claimed[taken.item_id]]))

    while heap:
        _, n = heapq.heappop(heap)
        head = suggested[n].pop(0)
        if lost(head, n) is not head:
            demoted[n].append(lost(head, n))
            if suggested[n]:
                heapq.heappush(heap, (-suggested[n][0].confidence, n))
            else:
                final[n] = tuple(sorted(demoted[n], key=lambda c: -c.confidence))
            continue
        for item in _claims(head):
            claimed[item.item_id] = n
        rest = [lost(c, n) for c in suggested[n]] + [_below(c, head.confidence)
                                                     for c in demoted[n]]
        final[n] = (head, *sorted(rest, key=lambda c: -c.confidence))
    keys = keys if keys is not None else [None] * len(lines)
    return tuple(LineProposal(key, line, cands) for key, line, cands in zip(keys, lines, final))


def _below(candidate: Candidate, ceiling: float) -> Candidate:
    """A demoted candidate never outranks the line's chosen one."""
    if candidate.confidence < ceiling:
        return candidate
    return replace(candidate, confidence=round(max(ceiling - 0.01, 0.0), 4))

