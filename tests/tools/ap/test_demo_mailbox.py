"""The AP kernel over the demo mailbox: the demo company is built into a temporary home, and each
stored extraction goes through validate → match → propose → decide, as the AP agent will run it.

Expected: the three PO invoices match their orders (two cleanly three-way, the partial delivery
fails three-way on its first line); the clean invoices of known suppliers auto-post when their
calibrated confidence clears the threshold (and otherwise wait only for that); changed bank
details, the resent duplicate and the unknown supplier wait for approval with hard reasons; the two
big PO bills need the owner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.settings import load_settings
from demo.build import build_demo
from memory import ap_queries, documents_store
from memory.db import create_db_engine, session_factory, unit_of_work
from memory.documents_schema import ExtractedDocument
from memory.inbox_schema import InboxMessage
from memory.ledger_store import LedgerStore
from memory.trading_store import TradingStore
from tools.ap import BillProposal, propose_bill
from adapters.clock import SystemClock
from tools.documents.model import Extraction
from tools.documents.validation import decision_confidence, validate_invoice
from tools.matching import MatchResult, match_purchase_order
from tools.policies import Decision, PolicyConfig, decide

TODAY = date(2026, 6, 30)
CONFIG = PolicyConfig()


@dataclass(frozen=True)
class Outcome:
    number: str
    scenario: str
    confidence: float
    match: MatchResult
    proposal: BillProposal
    decision: Decision
    document_id: int


@dataclass(frozen=True)
class Demo:
    home: Path
    outcomes: dict[str, Outcome]   # by scenario-unique invoice number


def _run_kernel(home: Path) -> dict[str, Outcome]:
    manifest = json.loads((home / "demo" / "inbox_manifest.json").read_text())
    scenarios = {m["message_id"].strip("<>"): m["scenario"] for m in manifest}
    engine = create_db_engine(f"sqlite:///{home / 'backoffice.db'}")
    out: dict[str, Outcome] = {}
    try:
        with unit_of_work(session_factory(engine)) as session:
            chart = ap_queries.chart_for_proposals(session)
            rows = session.execute(select(ExtractedDocument, InboxMessage.message_id).join(
                InboxMessage, InboxMessage.id == ExtractedDocument.inbox_message_id)
                .order_by(ExtractedDocument.id)).all()
            for doc, message_id in rows:
                ex = Extraction.model_validate(json.loads(doc.extraction))
                context = replace(documents_store.validation_context(
                    session, today=TODAY, exclude_message_id=doc.inbox_message_id),
                    content_hash=doc.content_sha256)
                validation = validate_invoice(ex, context)
                confidence = decision_confidence(ex, validation)
                known = validation.supplier_match.supplier
                cid = known.contact_id if known else None
                supplier = ap_queries.supplier_posting(session, cid) if cid else None
                history = ap_queries.past_bill_lines(session, cid) if cid else ()
                orders = ap_queries.purchase_orders_for_match(session, cid, ex.purchase_order)
                match = match_purchase_order(ex, contact_id=cid, purchase_orders=orders)
                proposal = propose_bill(ex, supplier=supplier, history=history, match=match,
                                        chart=chart, today=TODAY,
                                        document_sha256=doc.content_sha256)
                assert isinstance(proposal, BillProposal), (ex.invoice_number, proposal)
                assert ex.issue_date is not None
                recent = ap_queries.recent_bills(
                    session, cid, ex.issue_date - timedelta(days=CONFIG.split_window_days),
                    exclude_document_id=doc.id) if cid else ()
                issues = tuple(dict.fromkeys((*ex.issues, *validation.issues)))
                decision = decide(proposal, issues, match, confidence, recent, CONFIG)
                number = ex.invoice_number or ""
                out[number] = Outcome(number, scenarios[message_id.strip("<>")], confidence, match,
                                      proposal, decision, doc.id)
    finally:
        engine.dispose()
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    home = tmp_path_factory.mktemp("ap-demo") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(home.parent)  # no stray .env from the working directory
        mp.delenv("BACKOFFICE_DATABASE_URL", raising=False)
        build_demo(load_settings(home=home), run_ap_agent=False, with_assistant=False, with_bank=False)
        yield Demo(home, _run_kernel(home))


def by_scenario(demo: Demo, scenario: str) -> list[Outcome]:
    return [o for o in demo.outcomes.values() if o.scenario == scenario]


def hard(o: Outcome) -> set[str]:
    return {r.code for r in o.decision.reasons if r.hard}


def test_every_demo_invoice_gets_a_proposal_and_a_decision(demo: Demo) -> None:
    assert len(demo.outcomes) == 15
    for o in demo.outcomes.values():
        p = o.proposal
        assert p.total == p.subtotal + p.tax
        if p.journal is not None:
            assert sum(ln.amount for ln in p.journal.lines) == 0
        assert o.decision.proposal_hash == p.proposal_hash()


def test_the_three_po_invoices_match_their_orders(demo: Demo) -> None:
    clean = by_scenario(demo, "clean_po_match")
    partial = by_scenario(demo, "partial_receipt")
    assert len(clean) == 2 and len(partial) == 1
    for o in clean:
        assert o.match.status == "matched_3way" and o.match.exceptions == ()
        assert o.proposal.purchase_order_number == o.match.po_number
        assert {ln.account_rule for ln in o.proposal.lines} == {"po_line"}
        assert all(ln.po_line_no for ln in o.proposal.lines)
    (p,) = partial
    assert p.match.status == "mismatch" and p.match.codes == {"po_not_received"}
    first = next(m for m in p.match.line_matches if m.po_line_no == 1)
    assert first.received_ok is False and first.quantity_ok and first.price_ok
    assert all(m.received_ok for m in p.match.line_matches if m.po_line_no != 1)
    assert "po_not_received" in hard(p) and p.decision.outcome == "needs_approval"


def test_the_big_po_bills_need_the_owner(demo: Demo) -> None:
    for o in (*by_scenario(demo, "clean_po_match"), *by_scenario(demo, "partial_receipt")):
        assert o.proposal.total > 10000
        assert o.decision.outcome == "needs_approval" and o.decision.required_role == "owner"
        assert "above_approver_limit" in hard(o)


def test_clean_invoices_auto_post_when_confidence_clears_the_threshold(demo: Demo) -> None:
    clean = by_scenario(demo, "clean")
    assert len(clean) == 7
    for o in clean:
        assert o.match.status == "no_po" and o.proposal.complete and o.proposal.issues == ()
        assert all(ln.account_rule.startswith("learned:") for ln in o.proposal.lines)
        assert o.proposal.total <= CONFIG.auto_approve_limit
        if o.confidence >= CONFIG.min_confidence:
            assert o.decision.outcome == "auto_post", (o.number, o.decision.reasons)
        else:
            assert o.decision.outcome == "needs_approval"
            assert o.decision.codes == ("low_confidence",) and not hard(o)
    auto = {o.number for o in clean if o.decision.outcome == "auto_post"}
    # the PEPPOL e-invoices are read exactly (confidence 1.0), so they always clear it
    assert {"AGE-7781023", "CB-2026-0612"} <= auto


@pytest.mark.parametrize(("scenario", "codes"), [
    ("bank_details_changed", {"bank_details_changed"}),
    ("duplicate", {"duplicate_suspected"}),
    ("unknown_supplier", {"supplier_unknown", "supplier_missing", "account_unresolved"}),
])
def test_fraud_and_data_risks_wait_for_a_person_with_hard_reasons(demo: Demo, scenario: str,
                                                                  codes: set[str]) -> None:
    (o,) = by_scenario(demo, scenario)
    assert o.decision.outcome == "needs_approval"
    assert hard(o) == codes


def test_the_unknown_supplier_has_no_journal_until_someone_adds_them(demo: Demo) -> None:
    (o,) = by_scenario(demo, "unknown_supplier")
    assert o.proposal.supplier is None and o.proposal.journal is None
    assert o.proposal.supplier_name == "Harbourside Signage Co"


def test_the_auto_posted_bills_post_once_and_the_books_still_balance(demo: Demo) -> None:
    engine = create_db_engine(f"sqlite:///{demo.home / 'backoffice.db'}")
    auto = [o for o in demo.outcomes.values() if o.decision.outcome == "auto_post"]
    assert auto
    try:
        with unit_of_work(session_factory(engine)) as session:
            trading = TradingStore(session, SystemClock(), "ap-agent")
            for o in auto:
                for _ in range(2):  # a replay returns the same bill
                    bill = trading.post_bill_proposal(
                        o.proposal, idempotency_key=f"ap:{o.document_id}",
                        purchase_order_number=o.proposal.purchase_order_number,
                        decision=o.decision)
                assert bill.total == o.proposal.total and bill.tax == o.proposal.tax
            ledger = LedgerStore(session, SystemClock(), "ap-agent")
            assert ledger.trial_balance().balanced
            (needs_owner,) = [o for o in by_scenario(demo, "clean_po_match")
                              if o.proposal.purchase_order_number == "PO-2606-CER"]
            from tools.ledger.problems import LedgerError
            with pytest.raises(LedgerError) as info:
                trading.post_bill_proposal(needs_owner.proposal, idempotency_key="x",
                                           purchase_order_number="PO-2606-CER",
                                           decision=needs_owner.decision)
            assert info.value.codes == ("approval_required",)
    finally:
        engine.dispose()
