"""The offline router: which supported kind of question this is, and the tool calls that answer it.

Pure and deterministic (no model): keyword and pattern rules over the question, in priority order.
Requests to move money come first (refused, whatever else they mention), then questions about one
stored document, then payroll, month-end commentary, payment runs and bills due by a day, the
bank, the books, payables, the inbox, and finally rules (policies and awards). Anything else is `unsupported`, and the composer says so.

Periods: "May", "May 2026", "2026-05", "last month", "this month" become a month relative to
`today`; without one, the tools choose their own default (the last complete month).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from agent.chat.tools.contract import Caller

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9


@dataclass(frozen=True)
class Routed:
    intent: str
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _has(text: str, *patterns: str) -> bool:
    return any(re.search(p, text) for p in patterns)


# --------------------------------------------------------------------------- periods
def _month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def month_in(text: str, today: date) -> str | None:
    """The month a question names, as YYYY-MM (a month without a year is the latest one not after
    today's month)."""
    if m := re.search(r"\b(20\d\d)-(0[1-9]|1[0-2])\b", text):
        return f"{m[1]}-{m[2]}"
    first = today.replace(day=1)
    if re.search(r"\blast month\b|\bprevious month\b|\bprior month\b", text):
        prior = first - timedelta(days=1)
        return _month_key(prior.year, prior.month)
    if re.search(r"\bthis month\b|\bmonth to date\b", text):
        return _month_key(today.year, today.month)
    names = "|".join(sorted(MONTHS, key=len, reverse=True))
    if m := re.search(rf"\b({names})\b\.?(?:\s+(20\d\d))?", text):
        if m[1] == "may" and not m[2] and re.search(r"\bmay (i|we|he|she|they|you|a|an|the|staff)\b",
                                                     text):
            return None                     # "may I…" is not the month
        month = MONTHS[m[1]]
        year = int(m[2]) if m[2] else (today.year if month <= today.month else today.year - 1)
        return _month_key(year, month)
    return None


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def date_in(text: str, today: date) -> date | None:
    """A day a question names: "2026-07-14", "14/07", "14 July", "July 14th", "Friday" (the next
    one, today included), "tomorrow", "the end of the month". A day without a year is the one in
    today's year, unless that is more than six months past (then next year's)."""
    if m := re.search(r"\b(20\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b", text):
        return _day(int(m[1]), int(m[2]), int(m[3]))
    if m := re.search(r"\b([0-3]?\d)/([01]?\d)(?:/(20\d\d|\d\d))?\b", text):
        year = int(m[3]) + (2000 if m[3] and len(m[3]) == 2 else 0) if m[3] else None
        return _day(year, int(m[2]), int(m[1]), today)
    names = "|".join(sorted(MONTHS, key=len, reverse=True))
    if m := re.search(rf"\b([0-3]?\d)(?:st|nd|rd|th)?(?: of)? ({names})\b\.?(?:,? (20\d\d))?", text):
        return _day(int(m[3]) if m[3] else None, MONTHS[m[2]], int(m[1]), today)
    if m := re.search(rf"\b({names})\.? ([0-3]?\d)(?:st|nd|rd|th)?\b(?:,? (20\d\d))?", text):
        return _day(int(m[3]) if m[3] else None, MONTHS[m[1]], int(m[2]), today)
    if m := re.search(rf"\b({'|'.join(_WEEKDAYS)})\b", text):
        return today + timedelta(days=(_WEEKDAYS.index(m[1]) - today.weekday()) % 7)
    if re.search(r"\btomorrow\b", text):
        return today + timedelta(days=1)
    if re.search(r"\btoday\b", text):
        return today
    if re.search(r"\bend of (the |this )?month\b", text):
        return month_bounds(_month_key(today.year, today.month))[1]
    return None


def _day(year: int | None, month: int, day: int, today: date | None = None) -> date | None:
    try:
        if year is not None:
            return date(year, month, day)
        assert today is not None
        found = date(today.year, month, day)
        return found if (today - found).days <= 183 else date(today.year + 1, month, day)
    except ValueError:
        return None


def month_bounds(key: str) -> tuple[date, date]:
    year, month = int(key[:4]), int(key[5:])
    start = date(year, month, 1)
    end = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
    return start, end


def period_in(text: str, today: date) -> dict[str, str] | None:
    """A range of months ("april-june", "jan to mar", "from July to September 2025") as
    period_start/period_end; a year-less range ends in the latest such month not after today."""
    names = "|".join(sorted(MONTHS, key=len, reverse=True))
    m = re.search(rf"\b({names})\b\.?\s*(?:-|–|to|through|until|and)\s*({names})\b\.?(?:\s+(20\d\d))?",
                  text)
    if m is None:
        return None
    first, last = MONTHS[m[1]], MONTHS[m[2]]
    end_year = int(m[3]) if m[3] else (today.year if last <= today.month else today.year - 1)
    start_year = end_year if first <= last else end_year - 1
    start, _ = month_bounds(_month_key(start_year, first))
    _, end = month_bounds(_month_key(end_year, last))
    return {"period_start": start.isoformat(), "period_end": end.isoformat()}


def quarter_of(month: str) -> dict[str, str]:
    """The BAS quarter (Jul-Sep, Oct-Dec, Jan-Mar, Apr-Jun) holding a YYYY-MM month."""
    year, number = int(month[:4]), int(month[5:])
    first = (number - 1) // 3 * 3 + 1
    start, _ = month_bounds(_month_key(year, first))
    _, end = month_bounds(_month_key(year, first + 2))
    return {"period_start": start.isoformat(), "period_end": end.isoformat()}


def message_id_in(text: str) -> int | None:
    m = re.search(r"\b(?:message|msg|document|doc|email|item|inbox message)\s*(?:id\s*)?#?\s*(\d{1,9})\b",
                  text)
    return int(m[1]) if m else None


# --------------------------------------------------------------------------- intents
_QUESTION_START = re.compile(
    r"^\s*(can|could|may|who|what|when|how|why|do|does|is|are|am|should|must|which|where|if|"
    r"are we|am i|tell me (who|what|when|how|whether))\b")
_MONEY_ACTION = re.compile(
    r"\b(approve|authori[sz]e|pay|release|transfer|post|reject|mark .{0,20} (as )?paid|"
    r"change|update) .{0,60}?\b(it|this|that|them|invoice|bill|bills|payment|payments|supplier|"
    r"bank|account|approval|message|\$?\d)", re.IGNORECASE)
_BANK_CHANGE = re.compile(r"\b(change|update|replace|set)\b.{0,40}\bbank (details|account)\b")


_IMPERATIVE = re.compile(r"^\s*(please\s+|can you\s+|could you\s+|would you\s+|go ahead and\s+|"
                         r"just\s+|now\s+)*(approve|pay|post|release|transfer|authori[sz]e|reject|"
                         r"wire|refund|withdraw|send (the )?(money|payment)|mark\b.{0,40}\bpaid|"
                         r"(shift|move|sweep|put)\b.{0,40}\b(\$|grand|k\b|dollars|money|funds|cash)|"
                         r"(shift|move|sweep)\b.{0,60}\baccount)\b")


def _is_question(sentence: str) -> bool:
    return sentence.rstrip().endswith("?") or bool(
        _QUESTION_START.match(sentence) or re.match(r"^\s*(whats|what's|hows|how's|is it|tell me)\b",
                                                    sentence))


def _money_action(text: str) -> bool:
    """An instruction, in any one sentence, to approve, pay, post or change bank details — not a
    question about the rules for doing so ("what's the process before we pay them?")."""
    for sentence in (s for s in re.split(r"(?<=[.!?;])\s+", text) if s.strip()):
        if _IMPERATIVE.match(sentence):
            return True
        asked = re.match(r"^\s*(can|could|would|will) you\b|^\s*please\b|^\s*(go ahead|just)\b",
                         sentence)
        if _BANK_CHANGE.search(sentence) or _MONEY_ACTION.search(sentence):
            if asked or not _is_question(sentence):
                return True
    return False


# A pay check asked for in so many words: before the policy cues ("…under the award").
_PAYROLL_CHECK = (r"underpa", r"\bpay ?runs?\b", r"\bback ?pay\b", r"\bpayslip",
                  r"\b(my|our|staff|their|his|her|everyone'?s?)( last| latest)? (pay|wages|salary|"
                  r"salaries)\b", r"\w's (last |latest )?(pay|wages|salary)\b",
                  r"\b(get|got|paid) in (his|her|their|my) (last |latest )?pay\b",
                  r"\bpaid (correctly|right|properly)\b", r"\bcheck\w* .{0,40}\bpay\b",
                  r"\bsuper(annuation)? (owed|short|underpaid)")
# How long records are kept is a rule, even when it names payslips or timesheets.
_RECORD_KEEPING = (r"\b(how long|how many years)\b.{0,60}\b(keep|hang on|hold on|retain|store)",
                   r"\b(keep|hang onto|hold onto|retain)\b.{0,40}\b(records?|timesheets?|payslips?|"
                   r"receipts?|invoices?)\b")
# Words that make a question about a rule, whatever else it mentions ("a receipt for expenses",
# "the payroll procedure for tax file numbers").
_POLICY_CUES = (r"\bpolic(y|ies)\b", r"\bprocedures?\b", r"\breceipts?\b", r"\breimburs",
                r"\bclaim\b", r"\ballowed\b", r"\bentitle", r"\bclause\b", r"\baward\b",
                r"\bsuper(annuation)?\b.{0,20}(%|percent|rate|guarantee)", r"\bwhat super\b",
                r"\bis it (ok|okay|alright|fine|right)\b", r"\btfn\b", r"\btax file\b", r"\bprivacy\b",
                r"\bprocess\b", r"\bwhat checks\b", r"\bsteps\b", r"\brules? (for|on|about)\b",
                r"\b(max|maximum|limit|most|biggest)\b.{0,30}\b(approv|sign)",
                r"\b(can|may|allowed to) (sign|approve)\b.{0,20}\b(up to|over|above|more than)\b",
                r"\bwhat am i (supposed|meant) to do\b")
# "do we need to…", "can I…": a rule — once the books' own words have had their turn.
_MODAL_RULE = r"\b(do|can|may|must|should) (i|we|staff|employees)\b.{0,60}\b(need|keep|get|take|" \
              r"approve|claim|pay|work|book|use|buy|spend)\b|\bhow do (i|we)\b|\b(have|need) to\b"
_PAY_CONTEXT = r"\b(rate|rates|pay|paid|work|working|worked|shift|shifts|penalt\w*|loading|casual\w*|" \
               r"staff|employee\w*|worker\w*|hours)\b"
_RULE_WORDS = (r"\bam i\b", r"\bpenalt", r"\bovertime\b", r"\bcasual", r"\bleave\b", r"\bminimum\b",
               r"\bbreaks?\b", r"\bexpense", r"\bapprov", r"\blimit", r"\bdelegat", r"\bprivacy\b",
               r"\btfn\b", r"\btax file\b", r"\brecords?\b", r"\bpurchase orders?\b", r"\bpo\b",
               r"\bpay (a|an|our)\b", r"\bhourly\b", r"\bshift", r"\bjunior", r"\bclassification",
               r"\bsupplier", r"\bbank details\b", r"\bcredit card\b", r"\btravel\b", r"\bmeal",
               r"\bgift", r"\b(can|may|must|should) i\b", r"\brates?\b")
_DAY_WORDS = (r"\bsunday\b", r"\bsaturday\b", r"\bpublic holiday", r"\bweekend\b", r"\bnight\b",
              r"\bevening\b")


_SOMEONE_ELSE = re.compile(r"\b(his|her|their|everyone|everybody|anyone|someone|colleagues?|"
                           r"staff|employees|(?!my\b)[a-z]+'s)\b")


def _payroll(text: str, caller: Caller, month: str | None, today: date) -> Routed:
    if (caller.role not in ("owner", "auditor", "admin") and _SOMEONE_ELSE.search(text)
            and not re.search(r"\b(my|me|i)\b", text)):
        # Asked about someone else's pay: the tool would only ever show the caller's own, which
        # is not what was asked. Say so instead (the tool refuses such requests as well).
        return Routed("private")
    start, end = month_bounds(month) if month else (today - timedelta(days=366), today)
    arguments: dict[str, Any] = {"period_start": start.isoformat(), "period_end": end.isoformat()}
    if caller.role not in ("owner", "auditor", "admin") and caller.employee_id:
        arguments["employee_ids"] = [caller.employee_id]
    return Routed("payroll", [("run_payroll_check", arguments)])


def _policy(question: str) -> Routed:
    return Routed("policy", [("search_policies", {"query": question.strip()[:500], "k": 5})])


def _ledger(text: str, month: str | None, today: date) -> Routed | None:
    """A question about the books' own figures, or None."""
    period: dict[str, str] = period_in(text, today) or ({"month": month} if month else {})
    if _has(text, r"\bgst\b", r"\bbas\b", r"\bactivity statement\b"):
        if month and "month" in period and _has(text, r"\bquarter\b", r"\bqtr\b"):
            period = quarter_of(month)
        return Routed("ledger", [("query_ledger", {"query": "gst", **period})])
    if _has(text, r"\b(cash|bank) (balance|position|at bank|in the bank)\b", r"\bcash flow\b",
            r"\bbalance of (the |our )?(business |bank |cheque |savings |operating )*account\b",
            r"\bhow much (cash|money)\b", r"\bbank balance\b", r"\bcash\b.{0,20}\b(have|got)\b"):
        return Routed("ledger", [("query_ledger", {"query": "cash", **period})])
    if _has(text, r"\b(profit|loss|p&l|p & l|revenue|sales|income|turnover|takings|expenses|spend|"
            r"spent|gross margin|margin|cost of (goods|sales)|wages expense|overheads?|outgoings|"
            r"bottom line|net profit|gross profit|operating expenses)\b",
            r"\bturn(ed)? over\b", r"\bhow much did we (make|sell|take)\b"):
        return Routed("ledger", [("query_ledger", {"query": "profit_and_loss", **period})])
    if _has(text, r"\btrial balance\b", r"\baccount balances?\b", r"\bbalance of\b"):
        return Routed("ledger", [("query_ledger", {"query": "account_balances"})])
    return None


def _inbox(text: str) -> Routed | None:
    if not _has(text, r"\binbox\b", r"\b(waiting|wait|sitting|queued)\b.{0,40}\bapprov",
                r"\b(pending|awaiting) approval\b", r"\bquarantin", r"\bapproval queue\b",
                r"\b(came|come) in\b", r"\bemails?\b", r"\binvoices? (received|arrived)\b",
                r"\bwhat happened to\b", r"\bstuck\b", r"\bneeds? (an? )?approv", r"\bsign[- ]?off\b",
                r"\b(my|the) queue\b", r"\bto approve\b"):
        return None
    status = ("awaiting_approval" if _has(text, r"approv", r"sign[- ]?off", r"\bqueue\b") else
              "quarantined" if _has(text, r"quarantin|stuck") else None)
    return Routed("inbox", [("read_inbox", {"limit": 20, **({"status": status} if status else {})})])


def _supplier_bills(text: str) -> Routed | None:
    """"any bills from Kookaburra we haven't paid?": that supplier's bills still to be paid."""
    m = re.search(r"\b(?:bills?|invoices?) from ([a-z0-9][a-z0-9 &'.-]{1,60}?)\s+(?:that |which )?"
                  r"(?:we |still |are |is )*(?:haven'?t|have not|not|yet to be|unpaid|outstanding|owing|"
                  r"to pay|due)", text)
    if m is None:
        return None
    return Routed("bills", [("query_ledger", {"query": "bills", "status": "posted",
                                              "supplier": m[1].strip()})])


def _bills_due(text: str, today: date) -> Routed | None:
    """Which bills fall due in a window ("due this week", "due next week", "due before Friday" is
    beyond it): the bills still to be paid, due before the window's end."""
    m = re.search(r"\b(bills?|invoices?|pay)\b.{0,40}\bdue (this|next) (week|fortnight|month)\b", text)
    if m is None:
        return None
    if m[3] == "month":
        start = today.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        if m[2] == "next":
            end = (end + timedelta(days=32)).replace(day=1)
    else:
        monday = today - timedelta(days=today.weekday())
        end = monday + timedelta(days=7 if m[2] == "this" else 14)
        if m[3] == "fortnight":
            end = today + timedelta(days=14)
    return Routed("bills", [("query_ledger", {"query": "bills", "status": "posted",
                                              "due_before": end.isoformat()})])


def _bank(text: str, month: str | None, today: date) -> Routed | None:
    """"what's unreconciled?", "is the bank reconciled?", "what did we spend at Bunnings in May?"."""
    if _has(text, r"\b(un)?reconcil", r"\bbank (exceptions|lines|feed|statement)s?\b"):
        return Routed("bank", [("read_statements", {"query": "unreconciled"})])
    m = re.search(r"\b(?:spend|spent|pay|paid)\b.{0,20}?\b(?:at|with)\s+([a-z0-9][a-z0-9 &'.-]{1,40}?)"
                  r"(?:\s+(?:in|during|for|over|last|this|from|since|between)\b|[?.!,]|$)", text)
    if m is None:
        return None
    period = period_in(text, today)
    if period is None and month:
        start, end = month_bounds(month)
        period = {"period_start": start.isoformat(), "period_end": end.isoformat()}
    return Routed("bank_spend", [("read_statements", {"query": "spend", "payee": m[1].strip(),
                                                 **(period or {})})])


def _payment_runs(text: str, today: date) -> Routed | None:
    """"what bills are due to be paid by Friday?", "what's due by 14 July?": the approved bills
    due by that day; "show the latest payment run", "has payment run 2 been approved?": the runs."""
    if _has(text, r"\bpayment (runs?|batch(es)?)\b", r"\baba files?\b", r"\bremittance advice\b"):
        m = re.search(r"\bpayment run\s*(?:#|no\.?|number)?\s*(\d{1,6})\b", text)
        if m:
            return Routed("payment_runs", [("bills_due", {"query": "runs", "run_id": int(m[1])})])
        many = _has(text, r"\bpayment runs\b", r"\ball\b", r"\bhistory\b")
        return Routed("payment_runs", [("bills_due", {"query": "runs", "limit": 10 if many else 1})])
    m = re.search(r"\b(?:due|paid|paying|pay|payable|owing)\b(?: [a-z']+){0,3}? (by|before|until|till|"
                  r"on or before|no later than) (.{1,30})", text)
    if m is None or (day := date_in(m[2], today)) is None:
        return None
    if m[1] == "before":
        day -= timedelta(days=1)
    return Routed("bills_due", [("bills_due", {"query": "due", "due_by": day.isoformat()})])


def plan(question: str, caller: Caller, *, today: date) -> Routed:
    text = " ".join(question.lower().split())
    month = month_in(text, today)
    message_id = message_id_in(text)

    proposing = message_id is not None and _has(
        text, r"\bpropose\b", r"\bfor (approval|review)\b", r"\b(submit|queue|send|put) .{0,40}"
        r"\b(approv|review)")
    if _money_action(text) and not proposing:
        return Routed("refuse_money_action")
    if proposing:
        return Routed("propose_posting", [("propose_posting", {
            "message_id": message_id, "note": question.strip()[:500]})])
    if message_id is not None:
        return Routed("document", [("extract_document", {"message_id": message_id})])
    if _has(text, *_RECORD_KEEPING):
        return _policy(question)
    if _has(text, *_PAYROLL_CHECK):
        return _payroll(text, caller, month, today)
    if _has(text, *_POLICY_CUES):
        return _policy(question)
    if _has(text, r"\bafford\b", r"\bforecast\b", r"\bcommentary\b", r"\bhow did we (go|do)\b",
            r"\bhow (are|were) we (going|tracking)\b", r"\b(why|whys|why's)( (is|was|did|has|are))?\b"
            r".{0,40}\b(margin|profit|revenue|sales|income|expenses?|costs?|cash)\b",
            r"\bwrap[- ]?up\b", r"\brun ?down\b", r"\bhow .{0,20}\bwent\b", r"\bhow did .{0,20}\bgo\b",
            r"\bsummary of (the )?month\b", r"\bmonthly (summary|report)\b",
            r"\bmonth[- ]end\b", r"\benough cash\b", r"\brun out of cash\b"):
        # "can we afford to hire in March?" asks about the future: the forecast of the latest
        # month's report, not March's results.
        use_month = month and not _has(text, r"\bafford\b", r"\bforecast\b", r"\benough cash\b",
                                        r"\brun out\b")
        return Routed("commentary", [("draft_commentary", {"month": month} if use_month else {})])
    if (routed := _payment_runs(text, today)) is not None:
        return routed
    if (routed := _bank(text, month, today)) is not None:
        return routed
    if (routed := _ledger(text, month, today)) is not None:
        return routed
    if (routed := _inbox(text)) is not None:
        return routed
    if (routed := _bills_due(text, today) or _supplier_bills(text)) is not None:
        return routed
    if _has(text, r"\bowe\b", r"\bowing\b", r"\bpayables?\b", r"\bcreditors\b", r"\boverdue\b",
            r"\bunpaid\b", r"\baccounts payable\b", r"\bap\b", r"\bhaven'?t (been )?paid\b",
            r"\b(bills?|invoices?) (are |is )?(still )?(due|outstanding|unpaid|owing)\b",
            r"\bstill (owing|outstanding)\b", r"\bwhat('s| is) due\b", r"\baged\b",
            r"\b(bills?|payments?) coming up\b", r"\bcoming up\b.{0,30}\bbills?\b"):
        return Routed("payables", [("query_ledger", {"query": "payables"})])
    if _has(text, _MODAL_RULE):
        return _policy(question)
    if _has(text, r"\bpayroll\b", r"\b(earn|earns|earning|salary|salaries|wages)\b"):
        return _payroll(text, caller, month, today)
    if _has(text, *_RULE_WORDS) or (_has(text, *_DAY_WORDS) and _has(text, _PAY_CONTEXT)):
        return _policy(question)
    return Routed("unsupported")
