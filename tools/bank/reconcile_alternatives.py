"""The other ways to reconcile a line: a transfer between own accounts, a person's rule, the
learned categoriser's guess (pure)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tools.bank.model import BankLine
from tools.bank.payee import normalise_text
from tools.bank.reconcile_facts import LineFacts
from tools.bank.reconcile_model import (
    BankRule,
    Candidate,
    LineCategoriser,
    OwnAccount,
    rule_matches,
)

STRONG_MATCH = 0.8      # a match this sure pushes rules and the categoriser below it
# "TRANSFER TO XX9012": an account by its last digits; when none of ours ends so, the money left
# the business (the owner's own account, a supplier's), whatever the word "transfer" says.
_MASKED_ACCOUNT = re.compile(r"X{2,}(\d{4})")
_ACCOUNT_GENERIC = frozenset({"BUSINESS", "ACCOUNT", "ACC", "BANK", "THE", "MY", "AND"})


def transfer_candidates(facts: LineFacts, own_accounts: Sequence[OwnAccount],
                        bank_account_code: str | None) -> list[Candidate]:
    """Money moved between the business's own accounts, named by number or by name."""
    others = [a for a in own_accounts if a.account_code != bank_account_code]
    if not others:
        return []
    compact, words = facts.text.replace(" ", ""), set(facts.text.split())
    way = "to" if facts.direction == "out" else "from"
    found: list[tuple[float, OwnAccount, str]] = []
    for account in others:
        ids = ["".join(normalise_text(i).split()) for i in account.identifiers]
        hit = next((i for i in ids if (len(i) > 4 and i in compact) or (i and i in words)), None)
        name_words = set(normalise_text(account.name).split()) - _ACCOUNT_GENERIC
        if hit:
            found.append((0.97 if facts.says_transfer else 0.9, account,
                          f"the narrative names account {hit} ({account.name})"))
        elif facts.says_transfer and name_words and name_words <= words:
            found.append((0.85, account, f"the narrative names {account.name}"))
    ours = {"".join(ch for ch in i if ch.isdigit())[-4:] for a in own_accounts for i in a.identifiers}
    named_elsewhere = set(_MASKED_ACCOUNT.findall(compact)) - ours
    if not found and facts.says_transfer and len(others) == 1 and not named_elsewhere:
        found.append((0.55, others[0], (f"the narrative says transfer; {others[0].name} is "
                                        "the only other account, but it is not named")))
    if len(found) > 1:
        found = [(min(c, 0.6), a, r + "; other own accounts are named too") for c, a, r in found]
    return [Candidate("transfer", confidence, (f"money moved {way} {account.name}", reason),
                      account_code=account.account_code)
            for confidence, account, reason in found]


def rule_candidates(line: BankLine, rules: Sequence[BankRule], best_match: float
                    ) -> list[Candidate]:
    """The person's rules that match, in their order; a strong open-item match stays ahead."""
    matched = [r for r in rules if rule_matches(r, line)]
    agree = len({r.account_code for r in matched}) <= 1
    out = []
    for n, rule in enumerate(matched):
        confidence = (0.95 if agree else 0.85) if n == 0 else 0.6
        reasons = [f"rule \u201c{rule.name}\u201d matches"]
        if n:
            reasons.append("an earlier rule matches as well")
        if best_match >= STRONG_MATCH:
            confidence = min(confidence, 0.5)
            reasons.append("an open item matches this line; the rule as well would count it twice")
        out.append(Candidate("rule", confidence, tuple(reasons), account_code=rule.account_code,
                             tax_code=rule.tax_code, contact_id=rule.contact_id,
                             rule_id=rule.rule_id))
    return out


def categoriser_candidates(line: BankLine, categoriser: LineCategoriser | None,
                           ruled: list[Candidate], best_match: float) -> list[Candidate]:
    if categoriser is None:
        return []
    cap = 1.0
    if ruled:
        cap = max(ruled[0].confidence - 0.05, 0.0)   # the person's rule comes first
    if best_match >= STRONG_MATCH:
        cap = min(cap, 0.5)
    ruled_accounts = {c.account_code for c in ruled}
    return [Candidate("categorise", round(min(p.probability, cap), 4), tuple(p.reasons),
                      account_code=p.account_code, tax_code=p.tax_code)
            for p in categoriser.predict(line) if p.account_code not in ruled_accounts]
