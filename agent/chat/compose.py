"""The offline answers: one template per intent, filled from the tool results only.

Every figure is copied from a result (formatted as money, a date or a count), every rule quoted
from a cited policy or award passage, and a refusal from a tool is explained rather than worked
around. Pure functions over the results' JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from agent.chat.citations import citation
from agent.chat.tools.contract import Caller

SUPPORTED = ("figures from the books (profit and loss, cash, GST, account balances) for a month",
             "what we owe suppliers and when it is due",
             "what is in the AP inbox and what is waiting for approval",
             "what a stored invoice says (give its message id)",
             "our policies and the Retail and Clerks awards (rates, penalties, leave, approvals)",
             "pay-run checks against the awards",
             "the month-end commentary and the cash forecast",
             "the bank: what is unreconciled, and what we spent with a payee",
             "the bills due to be paid by a day, and the payment runs (read only)")
_STOP = frozenset("a an the and or of to in on for is are am be do does did we i our my you your "
                  "what when who how can may should must it this that with without at by from as "
                  "there their they he she his her me us any".split())


@dataclass(frozen=True)
class Answer:
    text: str
    citations: list[dict[str, Any]] = field(default_factory=list)


def money(value: Any) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def day(value: Any) -> str:
    try:
        d = date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{d.day} {d:%B %Y}"


def _label(key: str) -> str:
    if re.fullmatch(r"\d+_\d+", key):                  # an ageing bucket: "1_30"
        return key.replace("_", "-") + " days overdue"
    if re.fullmatch(r"over_\d+", key):
        return key.replace("_", " ") + " days overdue"
    return key.replace("_", " ")


def _a(word: str) -> str:
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9']+", text.lower()) if w not in _STOP and len(w) > 1}


def _best_sentences(text: str, question: str, limit: int = 2) -> str:
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
    if len(sentences) <= limit:
        return " ".join(sentences)
    wanted = _words(question)
    ranked = sorted(range(len(sentences)),
                    key=lambda i: (-len(wanted & _words(sentences[i])), i))[:limit]
    return " ".join(sentences[i] for i in sorted(ranked))


def _first_ok(results: Sequence[dict[str, Any]], name: str) -> dict[str, Any] | None:
    for r in results:
        if r.get("name") == name and r.get("ok"):
            return r["result"]
    return None


def _refusal(results: Sequence[dict[str, Any]]) -> str | None:
    for r in results:
        if not r.get("ok"):
            error = r.get("error") or {}
            return f"I can't answer that: {error.get('message', 'the tool refused')}"
    return None


# --------------------------------------------------------------------------- intents
def _policy(question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    found = _first_ok(results, "search_policies")
    hits = (found or {}).get("hits", [])
    if not hits:
        return Answer("I found nothing in the policies or award summaries about that. "
                      "Ask a person who knows the policy, or rephrase the question.")
    best = hits[0]
    parts = [f"According to the {best.get('title') or best.get('document')}, clause "
             f"{best.get('clause')} ({best.get('heading')}): "
             f"“{_best_sentences(str(best.get('text', '')), question, 3)}”"]
    cited = [citation(best)]
    for other in hits[1:3]:
        if other.get("document") != best.get("document") or other.get("clause") != best.get("clause"):
            parts.append(f"See also the {other.get('title') or other.get('document')}, clause "
                         f"{other.get('clause')} ({other.get('heading')}): "
                         f"“{_best_sentences(str(other.get('text', '')), question, 1)}”")
            cited.append(citation(other))
            break
    return Answer("\n".join(parts), cited)


def _payables(question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    found = _first_ok(results, "query_ledger")
    if found is None:
        return Answer(_refusal(results) or "I could not read the payables.")
    rows = sorted(found.get("rows", []), key=lambda r: -Decimal(str(r.get("amount", 0))))
    totals = found.get("totals", {})
    lines = [f"At {day(found.get('as_at'))} we owe {money(totals['total'])} to {len(rows)} "
             "suppliers."]
    # The ageing buckets; the total and the control account's balance are said elsewhere.
    buckets = [f"{_label(k)} {money(v)}" for k, v in totals.items()
               if k not in ("total", "control_account_balance")]
    if buckets:
        lines.append("By age: " + "; ".join(buckets) + ".")
    lines += [f"- {row.get('supplier') or row.get('label')}: {money(row['amount'])}"
              for row in rows[:5]]
    lines.append(f"(Query: {found.get('query_description')})")
    lines += [f"Check: {c}" for c in found.get("checks", [])]
    return Answer("\n".join(lines))


def _bills(question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    found = _first_ok(results, "query_ledger")
    if found is None:
        return Answer(_refusal(results) or "I could not read the bills.")
    rows = [r for r in found.get("rows", []) if Decimal(str(r.get("amount", 0))) != 0]
    if not rows:
        return Answer(f"No unpaid bills match that. (Query: {found.get('query_description')})")
    total = sum((Decimal(str(r["amount"])) for r in rows), Decimal(0))
    lines = [f"{len(rows)} unpaid bills, {money(total)} in all:"]
    for row in rows[:10]:
        lines.append(f"- {row.get('supplier')} {row.get('number')}: {money(row['amount'])}, "
                     f"due {day(row.get('due_date'))}")
    lines.append(f"(Query: {found.get('query_description')})")
    return Answer("\n".join(lines))


def _ledger(question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    found = _first_ok(results, "query_ledger")
    if found is None:
        return Answer(_refusal(results) or "I could not read the books.")
    totals = found.get("totals", {})
    lines = [f"{str(found.get('query_description', '')).rstrip('.')}:"]
    lines += [f"- {_label(k)}: {money(v)}" for k, v in totals.items()]
    if not totals or found.get("query") == "account_balances":
        for row in found.get("rows", [])[:8]:
            lines.append(f"- {row.get('label')}: {money(row.get('amount'))}")
    if not found.get("rows"):
        lines.append("There were no transactions in that period.")
    return Answer("\n".join(lines))


def _bank(question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    found = _first_ok(results, "read_statements")
    if found is None:
        return Answer(_refusal(results) or "I could not read the bank feed.")
    feeds = found.get("feeds", [])
    if not feeds:
        return Answer("No bank statements have been imported yet (`backoffice bank import`).")
    lines = [f"{f['account_code']} {f['name']}: reconciled to "
             f"{day(f['reconciled_to']) if f.get('reconciled_to') else 'no date yet'}, "
             f"{f['open_lines']} line(s) open ({money(f['open_amount'])})." for f in feeds]
    for ln in found.get("lines", [])[:8]:
        hint = f" (suggested: {ln['suggestion']})" if ln.get("suggestion") else " (no suggestion)"
        lines.append(f"- #{ln['id']} {day(ln['posted'])} {money(ln['amount'])} {ln['text']}{hint}")
    lines.append(f"(Query: {found.get('query_description')})")
    return Answer("\n".join(lines))


def _bank_spend(question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    found = _first_ok(results, "read_statements")
    if found is None:
        return Answer(_refusal(results) or "I could not read the bank feed.")
    if not found.get("count"):
        return Answer(f"No bank lines match that. (Query: {found.get('query_description')})")
    lines = [f"{money(found['total_paid'])} paid out in {found['count']} bank line(s)"
             + (f", and {money(found['total_received'])} received" if Decimal(str(found["total_received"])) else "")
             + ":"]
    lines += [f"- {day(ln['posted'])} {money(ln['amount'])} {ln['text']}" for ln in found.get("lines", [])[:10]]
    lines.append(f"(Query: {found.get('query_description')})")
    return Answer("\n".join(lines))


def _bills_due(question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    found = _first_ok(results, "bills_due")
    if found is None:
        return Answer(_refusal(results) or "I could not read the bills to pay.")
    if not found.get("count"):
        return Answer(f"No approved, unpaid bill is due by {day(found.get('due_by'))}. "
                      f"(Query: {found.get('query_description')})")
    lines = [f"{found['count']} approved bill(s) due by {day(found.get('due_by'))}, "
             f"{money(found['total'])} in all"
             + (f" ({money(found['in_a_run'])} already in a payment run)"
                if Decimal(str(found.get("in_a_run", 0))) else "") + ":"]
    for b in found.get("bills", [])[:10]:
        run = f", in {b['payment_run']} ({b['run_status']})" if b.get("payment_run") else ""
        late = " (overdue)" if b.get("overdue") else ""
        lines.append(f"- {b['supplier']} {b['number']}: {money(b['outstanding'])}, due "
                     f"{day(b['due_date'])}{late}{run}")
    if found.get("no_bank_details"):
        lines.append("No bank details on file (a payment run cannot pay them): "
                     + ", ".join(found["no_bank_details"]) + ".")
    lines.append(f"(Query: {found.get('query_description')})")
    return Answer("\n".join(lines))


def _payment_runs(question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    found = _first_ok(results, "bills_due")
    if found is None:
        return Answer(_refusal(results) or "I could not read the payment runs.")
    runs = found.get("runs", [])
    if not runs:
        return Answer("There are no payment runs yet (`backoffice pay run --due-by DATE` proposes "
                      "one; a person approves it).")
    lines = []
    for r in runs[:5]:
        approved = (f"approved by {r['approved_by']} on {day(str(r['approved_at'])[:10])}"
                    if r.get("approved_by") else "not approved yet")
        written = (f"; its ABA file {r['filename']} was written for processing on "
                   f"{day(r['process_on'])}" if r.get("file_written") else "; no file written yet")
        lines.append(f"Payment run {r['id']} ({r['reference']}) is {r['status']}: "
                     f"{money(r['total'])} for the bills due by {day(r['due_by'])}, proposed by "
                     f"{r['created_by']}, {approved}{written}.")
        for s in r.get("suppliers", [])[:10]:
            lines.append(f"- {s['supplier']}: {money(s['amount'])} ({', '.join(s['bills'])})")
    lines.append(str(found.get("note", "")))
    lines.append(f"(Query: {found.get('query_description')})")
    return Answer("\n".join(lines))


def _inbox(question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    found = _first_ok(results, "read_inbox")
    if found is None:
        return Answer(_refusal(results) or "I could not read the inbox.")
    messages = found.get("messages", [])
    if not messages:
        return Answer("There are no messages in the inbox matching that.")
    counts: dict[str, int] = {}
    for m in messages:
        counts[m["status"]] = counts.get(m["status"], 0) + 1
    lines = [f"{len(messages)} recent messages: "
             + ", ".join(f"{n} {_label(s)}" for s, n in counts.items()) + "."]
    for m in messages[:10]:
        line = f"- message {m['message_id']} from {m.get('sender') or 'unknown'} (“{m['subject']}”): "
        line += _label(m["status"])
        if m.get("bill_total") is not None:
            line += f", bill {m.get('bill_number')} for {money(m['bill_total'])}"
        if m.get("reasons"):
            line += " — " + "; ".join(r["message"] for r in m["reasons"][:3])
        lines.append(line)
    return Answer("\n".join(lines))


def _document(question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    found = _first_ok(results, "extract_document")
    if found is None:
        return Answer(_refusal(results) or "I could not read that document.")
    supplier = found.get("supplier") or {}
    lines = [f"Message {found['message_id']} ({found.get('source')}) is "
             f"{_a(_label(found.get('document_type', 'document')))} from "
             f"{supplier.get('name') or 'an unknown supplier'}"
             + (f" (ABN {supplier['abn']})" if supplier.get("abn") else "") + "."]
    if found.get("invoice_number"):
        lines.append(f"Number {found['invoice_number']}, issued {day(found.get('issue_date'))}"
                     + (f", due {day(found['due_date'])}" if found.get("due_date") else "") + ".")
    if found.get("total") is not None:
        lines.append(f"Total {money(found['total'])} including GST of {money(found.get('tax'))}"
                     f" over {len(found.get('lines', []))} lines.")
    for issue in found.get("issues", [])[:5]:
        lines.append(f"- issue: {issue['message']}")
    return Answer("\n".join(lines))


def _propose(question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    found = _first_ok(results, "propose_posting")
    if found is None:
        return Answer(_refusal(results) or "I could not put that document forward.")
    return Answer(f"{found['message']} I cannot approve or post it myself; an approver decides.")


def _payroll(question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    found = _first_ok(results, "run_payroll_check")
    if found is None:
        return Answer(_refusal(results) or "I could not check the pay runs.")
    runs = found.get("pay_runs", [])
    if not runs:
        return Answer(f"There are no pay runs between {day(found['period_start'])} and "
                      f"{day(found['period_end'])}.")
    text = question.lower()
    if re.search(r"\b(last|latest|most recent) pay ?run\b", text):
        runs = sorted(runs, key=lambda r: r["period_end"])[-1:]
    underpaid = [(run, e) for run in runs for e in run["employees"] if e["status"] == "underpaid"]
    named = [(run, e) for run in runs for e in run["employees"]
             if e["name"].split()[0].lower() in text.split() or e["employee_id"].lower() in text]
    span = (f"{day(runs[0]['period_start'])} to {day(runs[-1]['period_end'])}" if len(runs) > 1
            else f"the pay run for {day(runs[0]['period_start'])} to {day(runs[0]['period_end'])}")
    lines = [f"I checked {len(runs)} pay run{'s' if len(runs) != 1 else ''} ({span}) against the "
             "awards."]
    if named:
        for run, e in named[-3:]:
            line = (f"- {e['name']} ({e['employee_id']}), pay run ending "
                    f"{day(run['period_end'])}: paid {money(e['paid_gross'])}")
            if e["status"] == "not_checked":
                line += " (no timesheets recorded, so not checked against the award)"
            else:
                line += f", award minimum {money(e['entitled_gross'])}, {_label(e['status'])}"
            if e["status"] == "underpaid":
                line += f", back pay {money(e['back_pay'])}"
            lines.append(line)
    elif underpaid:
        back = sum((Decimal(str(e["back_pay"])) for _, e in underpaid), Decimal(0))
        lines.append(f"{len({e['employee_id'] for _, e in underpaid})} employees were underpaid; "
                     f"back pay {money(back)}.")
        for run, e in underpaid[:6]:
            finding = e["findings"][0] if e["findings"] else None
            lines.append(f"- {e['name']} ({e['employee_id']}), pay run ending "
                         f"{day(run['period_end'])}: {money(e['back_pay'])}"
                         + (f" — {finding['message']} (clauses {', '.join(finding['clauses'])})"
                            if finding else ""))
    else:
        lines.append("Nobody was paid below the award minimum.")
    lines += [f"Note: {w}" for w in found.get("warnings", [])[:3]]
    return Answer("\n".join(lines))


def _commentary(question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    found = _first_ok(results, "draft_commentary")
    if found is None:
        return Answer(_refusal(results) or "I could not prepare the commentary.")
    paragraphs = {p["topic"]: p["text"] for p in found.get("paragraphs", [])}
    text = question.lower()
    if re.search(r"\bafford\b|\bforecast\b|\benough cash\b|\brun out\b", text):
        wanted = ["forecast", "cash"]
        tail = ("Whether to hire is your decision: add the new role's wages, super and on-costs "
                "to the forecast's payments before deciding.") if "hire" in text else ""
    elif re.search(r"\bmargin\b|\bwhy\b", text):
        wanted, tail = ["result", "changes", "comparisons"], ""
    else:
        wanted, tail = ["result", "changes", "cash", "forecast"], ""
    body = [paragraphs[t] for t in wanted if t in paragraphs] or list(paragraphs.values())[:2]
    return Answer("\n\n".join([found.get("headline", ""), *body, *([tail] if tail else [])]).strip())


def _refuse_money_action(question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    return Answer("I can't approve, reject, pay or post anything, or change a supplier's bank "
                  "details: the assistant proposes and a person decides. An approver decides bills "
                  "in the approval queue (`backoffice approvals list`, or GET /v1/approvals). If a "
                  "stored invoice should go in front of an approver, ask me to propose it for "
                  "approval with its message id.")


def _private(question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    return Answer("Pay is private: you can check your own pay (ask \"was my pay right last "
                  "fortnight?\"), but not anyone else's. The owner can check everyone's pay.")


def _unsupported(question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    return Answer("That is outside what I can answer without a language model. I can answer "
                  "questions about: " + "; ".join(SUPPORTED) + ".")


COMPOSERS: dict[str, Callable[[str, Sequence[dict[str, Any]], Caller], Answer]] = {
    "policy": _policy, "payables": _payables, "bills": _bills, "ledger": _ledger, "inbox": _inbox,
    "document": _document, "propose_posting": _propose, "payroll": _payroll,
    "commentary": _commentary, "refuse_money_action": _refuse_money_action, "private": _private,
    "bank": _bank, "bank_spend": _bank_spend, "bills_due": _bills_due,
    "payment_runs": _payment_runs, "unsupported": _unsupported}


def compose(intent: str, question: str, results: Sequence[dict[str, Any]], caller: Caller) -> Answer:
    return COMPOSERS.get(intent, _unsupported)(question, results, caller)
