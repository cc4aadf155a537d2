"""Bank rules proposed from a person's corrections, and tried on the history first (pure).

When someone corrects the categoriser three or more times for the same payee, to the same
account, the correction generalises and a rule is proposed ("BUNNINGS" → 6110). Before it is
enabled, `backtest_rule` replays it over the earlier categorised lines: a rule that would have
changed any of them is not safe to switch on without a person looking (the service enables only
rules with no disagreements). `propose_rule` narrows a rule by direction, then by amount range,
when that is what keeps it in agreement with the history.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tools.bank.payee import normalise_payee
from tools.bank.reconcile_model import BankRule, rule_matches
from tools.bank.training import TrainingExample

__all__ = ["MIN_CORRECTIONS", "RuleBacktest", "backtest_rule", "propose_rule"]

MIN_CORRECTIONS = 3
MIN_SHARE = 0.75       # of that payee's corrections, to the one account


@dataclass(frozen=True)
class RuleBacktest:
    matched: int                                  # earlier lines the rule would have taken
    agreed: int                                   # ...and categorised as they were
    disagreed: tuple[TrainingExample, ...]        # ...and categorised differently

    @property
    def safe(self) -> bool:
        return not self.disagreed


def backtest_rule(rule: BankRule, history: Sequence[TrainingExample]) -> RuleBacktest:
    """What `rule` would have done to the categorised `history`. A different account is a
    disagreement; so is a different tax code, when both the rule and the line have one."""
    matched, agreed, disagreed = 0, 0, []
    for example in history:
        if not rule_matches(rule, example.as_line()):
            continue
        matched += 1
        same_tax = (rule.tax_code is None or example.tax_code is None
                    or rule.tax_code == example.tax_code)
        if example.account_code == rule.account_code and same_tax:
            agreed += 1
        else:
            disagreed.append(example)
    return RuleBacktest(matched, agreed, tuple(disagreed))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _narrowed(rule: BankRule, corrections: Sequence[TrainingExample],
              history: Sequence[TrainingExample]) -> BankRule:
    """The rule, or a narrower one (one direction, then the corrections' amount range) when the
    broad one disagrees with the history."""
    attempts = [rule]
    directions = {"in" if c.amount > 0 else "out" for c in corrections}
    if len(directions) == 1:
        attempts.append(replace(rule, direction=directions.pop()))
        sizes = [abs(c.amount) for c in corrections]
        attempts.append(replace(attempts[-1], amount_min=min(sizes), amount_max=max(sizes)))
    for attempt in attempts:
        if backtest_rule(attempt, history).safe:
            return attempt
    return attempts[-1]


def propose_rule(corrections: Sequence[TrainingExample], history: Sequence[TrainingExample]
                 ) -> tuple[BankRule, ...]:
    """Rules for payees a person corrected at least MIN_CORRECTIONS times to one account (and
    for at least MIN_SHARE of their corrections). The rule says: text contains the normalised
    payee → that account, with the corrections' usual tax code."""
    by_payee: dict[str, list[TrainingExample]] = defaultdict(list)
    for correction in corrections:
        payee = normalise_payee(correction.text)
        if payee:
            by_payee[payee].append(correction)
    proposals = []
    for payee, corrected in sorted(by_payee.items()):
        accounts = Counter(c.account_code for c in corrected)
        account, count = max(accounts.items(), key=lambda kv: (kv[1], kv[0]))
        if count < MIN_CORRECTIONS or count < MIN_SHARE * len(corrected):
            continue
        to_account = [c for c in corrected if c.account_code == account]
        taxes = Counter(c.tax_code for c in to_account)
        tax_code = max(taxes.items(), key=lambda kv: (kv[1], kv[0] or ""))[0]
        rule = BankRule(rule_id=f"proposed:{_slug(payee)}:{account}",
                        name=f"{payee.title()} to {account}", account_code=account,
                        tax_code=tax_code, text_contains=(payee,))
        proposals.append(_narrowed(rule, to_account, history))
    return tuple(proposals)
