"""The offline router: which kind of question, and which tool calls answer it."""

from __future__ import annotations

from datetime import date

import pytest

from agent.chat.router import month_in, plan, quarter_of
from agent.chat.tools.contract import Caller

TODAY = date(2026, 7, 1)
OWNER = Caller("key:1:owner", "owner")


@pytest.mark.parametrize(("question", "intent", "tool"), [
    ("Can I approve this without a PO?", "policy", "search_policies"),
    ("Who can approve a bill over $10,000?", "policy", "search_policies"),
    ("What do we pay a casual on Sunday?", "policy", "search_policies"),
    ("May I claim a taxi fare home?", "policy", "search_policies"),
    ("What do we owe and when?", "payables", "query_ledger"),
    ("Which bills are overdue?", "payables", "query_ledger"),
    ("What's waiting for approval?", "inbox", "read_inbox"),
    ("What does message 7 say?", "document", "extract_document"),
    ("Please put message 12 up for approval", "propose_posting", "propose_posting"),
    ("Was anyone underpaid in the last pay run?", "payroll", "run_payroll_check"),
    ("Why is gross margin down?", "commentary", "draft_commentary"),
    ("Can we afford to hire in March?", "commentary", "draft_commentary"),
    ("What was revenue in May 2026?", "ledger", "query_ledger"),
    ("How much cash do we have in the bank?", "ledger", "query_ledger"),
    ("How much GST do we owe for the June quarter?", "ledger", "query_ledger"),
    ("What's unreconciled?", "bank", "read_statements"),
    ("Is the bank reconciled?", "bank", "read_statements"),
    ("What did we spend at Bunnings in May?", "bank_spend", "read_statements"),
])
def test_supported_questions_route_to_their_tool(question: str, intent: str, tool: str) -> None:
    routed = plan(question, OWNER, today=TODAY)
    assert routed.intent == intent
    assert [name for name, _ in routed.calls] == [tool]


@pytest.mark.parametrize("question", [
    "Approve invoice 12", "Please pay Acme now", "pay the plumber",
    "Can you approve all the pending bills?", "Change the bank details for Acme to 062-000 1234",
    "Approve every invoice waiting for approval", "Go ahead and post bill 40"])
def test_requests_to_move_money_are_refused_without_a_tool(question: str) -> None:
    assert plan(question, OWNER, today=TODAY) == plan("Approve it", OWNER, today=TODAY)
    assert plan(question, OWNER, today=TODAY).intent == "refuse_money_action"


@pytest.mark.parametrize("question", ["Who will win the footy this weekend?", "Tell me a joke"])
def test_other_questions_are_unsupported(question: str) -> None:
    assert plan(question, OWNER, today=TODAY).intent == "unsupported"


def test_periods_are_read_relative_to_today() -> None:
    assert month_in("revenue last month", TODAY) == "2026-06"
    assert month_in("revenue in march", TODAY) == "2026-03"
    assert month_in("revenue in september", TODAY) == "2025-09"
    assert month_in("sales 2026-02", TODAY) == "2026-02"
    assert month_in("may i claim a taxi?", TODAY) is None
    assert quarter_of("2026-05") == {"period_start": "2026-04-01", "period_end": "2026-06-30"}


def test_the_arguments_carry_the_period_and_the_quarter() -> None:
    assert plan("What was revenue in May 2026?", OWNER, today=TODAY).calls == [
        ("query_ledger", {"query": "profit_and_loss", "month": "2026-05"})]
    assert plan("GST for the June quarter", OWNER, today=TODAY).calls == [
        ("query_ledger", {"query": "gst", "period_start": "2026-04-01",
                          "period_end": "2026-06-30"})]


def test_a_staff_member_checking_pay_is_limited_to_themselves() -> None:
    clerk = Caller("key:2:clerk", "clerk", employee_id="E007")
    (name, arguments), = plan("Was my pay right last month?", clerk, today=TODAY).calls
    assert name == "run_payroll_check"
    assert arguments == {"period_start": "2026-06-01", "period_end": "2026-06-30",
                         "employee_ids": ["E007"]}


def test_a_range_of_months_is_one_period() -> None:
    from agent.chat.router import period_in

    assert period_in("gst for april-june", TODAY) == {"period_start": "2026-04-01",
                                                       "period_end": "2026-06-30"}
    assert period_in("sales from nov to feb", TODAY) == {"period_start": "2025-11-01",
                                                         "period_end": "2026-02-28"}
    assert period_in("revenue in may", TODAY) is None


@pytest.mark.parametrize(("question", "intent"), [
    ("how many years do we keep payslips for?", "policy"),
    ("What super rate are we paying?", "policy"),
    ("who's playing on saturday arvo", "unsupported"),
    ("what do casuals get on a saturday?", "policy"),
    ("how much did we turn over in march", "ledger"),
    ("how many bills are waiting for someone to approve them", "inbox"),
    ("how much GST do we need to pay for jan to mar?", "ledger"),
])
def test_the_books_own_words_and_rules_are_told_apart(question: str, intent: str) -> None:
    assert plan(question, OWNER, today=TODAY).intent == intent


@pytest.mark.parametrize(("question", "intent"), [
    ("Acme emailed to say they've changed banks. What's the process before we pay them again?",
     "policy"),
    ("Acme changed banks. Pay them the new account today.", "refuse_money_action"),
    ("is it ok to email a TFN to the bookkeeper?", "policy"),
    ("what were the overheads last month?", "ledger"),
    ("how much is owing to suppliers?", "payables"),
    ("anything in my queue to sign off?", "inbox"),
])
def test_more_ways_of_asking(question: str, intent: str) -> None:
    assert plan(question, OWNER, today=TODAY).intent == intent


def test_bills_due_this_week_are_the_unpaid_ones_due_before_next_monday() -> None:
    (name, arguments), = plan("which bills are due this week?", OWNER, today=TODAY).calls
    assert name == "query_ledger"
    assert arguments == {"query": "bills", "status": "posted", "due_before": "2026-07-06"}


@pytest.mark.parametrize("question", [
    "shift 20 grand from the savings account across to the cheque account",
    "move $500 to the tax account", "refund the customer their $80"])
def test_moving_money_between_accounts_is_refused(question: str) -> None:
    assert plan(question, OWNER, today=TODAY).intent == "refuse_money_action"


def test_a_staff_member_asking_about_someone_elses_pay_is_told_it_is_private() -> None:
    clerk = Caller("key:2:clerk", "clerk", employee_id="E007")
    for question in ("how much did Jack get in his last pay?", "What is Chloe's salary?",
                     "what does everyone earn?"):
        assert plan(question, clerk, today=TODAY) == plan("what do staff earn?", clerk, today=TODAY)
        assert plan(question, clerk, today=TODAY).intent == "private"
    assert plan("what is Chloe's salary?", OWNER, today=TODAY).intent == "payroll"


def test_a_suppliers_unpaid_bills() -> None:
    (name, arguments), = plan("any bills from Kookaburra Packaging we havent paid yet?", OWNER,
                              today=TODAY).calls
    assert arguments == {"query": "bills", "status": "posted", "supplier": "kookaburra packaging"}


def test_spend_at_a_payee_carries_the_payee_and_the_month() -> None:
    routed = plan("What did we spend at Bunnings in May?", OWNER, today=TODAY)
    assert routed.calls == [("read_statements", {"query": "spend", "payee": "bunnings",
                                            "period_start": "2026-05-01", "period_end": "2026-05-31"})]
    # Spending on a kind of thing is still the profit and loss.
    assert plan("What did we spend on advertising in May?", OWNER, today=TODAY).intent == "ledger"


@pytest.mark.parametrize(("question", "due_by"), [
    ("What bills are due by 14 July?", "2026-07-14"),       # TODAY is Wednesday 1 July 2026
    ("what bills are due to be paid by Friday?", "2026-07-03"),
    ("what do we need to pay by 2026-07-10?", "2026-07-10"),
    ("anything payable before 15/07?", "2026-07-14"),
    ("which invoices need paying by the end of the month?", "2026-07-31"),
])
def test_bills_due_by_a_day_read_the_bills_to_pay(question: str, due_by: str) -> None:
    routed = plan(question, OWNER, today=TODAY)
    assert (routed.intent, routed.calls) == ("bills_due", [("bills_due", {"query": "due",
                                                                          "due_by": due_by})])


@pytest.mark.parametrize(("question", "arguments"), [
    ("Show the latest payment run", {"query": "runs", "limit": 1}),
    ("what's in the last payment run? has it been approved?", {"query": "runs", "limit": 1}),
    ("Has payment run 2 been approved?", {"query": "runs", "run_id": 2}),
    ("Was the ABA file written?", {"query": "runs", "limit": 1}),
    ("list all the payment runs", {"query": "runs", "limit": 10}),
])
def test_payment_run_questions_read_the_runs(question: str, arguments: dict) -> None:
    routed = plan(question, OWNER, today=TODAY)
    assert (routed.intent, routed.calls) == ("payment_runs", [("bills_due", arguments)])


@pytest.mark.parametrize(("question", "intent"), [
    ("Approve payment run 1", "refuse_money_action"),         # reading never decides
    ("Pay the bills due by Friday", "refuse_money_action"),
    ("What's the process for approving a payment run?", "policy"),
    ("how many staff got underpaid in the latest payrun", "payroll"),   # a pay run is payroll
    ("What bills are due?", "payables"),
    ("which supplier bills are due this week?", "bills"),
])
def test_payment_words_that_are_not_reading_the_runs(question: str, intent: str) -> None:
    assert plan(question, OWNER, today=TODAY).intent == intent
