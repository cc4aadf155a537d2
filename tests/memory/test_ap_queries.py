"""The AP kernel's reads (memory.ap_queries) and TradingStore.post_bill_proposal, on SQLite and
PostgreSQL: a small book with purchase orders, a partial delivery and past bills."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from memory import ap_queries, documents_store
from memory.contacts_store import ContactsStore
from memory.db import session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from memory.schema import AuditEntry, Invoice, InvoiceLine, Journal, PurchaseOrder
from memory.trading_store import TradingStore
from tests.conftest import TickingClock
from tools.ap import BillProposal, propose_bill
from tools.documents.model import Extraction, Line, Method, Supplier
from tools.ledger.contacts import BankDetails
from tools.ledger.postings import DocumentLine
from tools.ledger.problems import LedgerError
from tools.matching import match_purchase_order
from tools.policies import Approval, Decision, PolicyConfig, RecentBill, decide

D = Decimal
Sessions = sessionmaker[Session]
CERAMICS, OFFICE = 1, 2
TODAY = date(2026, 6, 30)

PLATE = "Stoneware dinner plate 27cm - Sand"
BOWL = "Glazed serving bowl large - Ocean"


@pytest.fixture
def sessions(engine: Engine, clock: TickingClock) -> Sessions:
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        LedgerStore(session, clock, "setup").create_organisation(
            "Harbour & Vine Homewares Pty Ltd", "51 824 753 556", state="NSW")
        contacts = ContactsStore(session, clock, "daniel")
        contacts.create("Coastal Ceramics Wholesale Pty Ltd", abn="33 051 775 556", supplier=True,
                        payment_terms_days=30, default_account="5000",
                        bank=BankDetails("062000", "10458832", None), source="import")
        contacts.create("Pinnacle Office Supplies", abn="53 004 085 616", supplier=True,
                        payment_terms_days=14, default_account="6090",
                        bank=BankDetails("082001", "456123789", None))
        trading = TradingStore(session, clock, "setup")
        # May: ordered, delivered and billed in full (so closed)
        may = [DocumentLine(PLATE, D("40"), D("9.80"), "5000", "GST")]
        po = trading.create_purchase_order("PO-099", CERAMICS, date(2026, 5, 1), may)
        trading.receive_goods("GR-099", po, date(2026, 5, 5), {1: D("40")}, "liam")
        trading.create_invoice("bill", CERAMICS, "CC-24001", date(2026, 5, 6), may,
                               purchase_order=po, reference="PO-099")
        # June: ordered; half the plates and all the bowls delivered
        june = [DocumentLine(PLATE, D("10"), D("9.80"), "5000", "GST"),
                DocumentLine(BOWL, D("4"), D("21.50"), "5000", "GST")]
        po = trading.create_purchase_order("PO-100", CERAMICS, date(2026, 6, 10), june)
        trading.receive_goods("GR-100", po, date(2026, 6, 20), {1: D("5"), 2: D("4")}, "liam")
        # office supplies: two past bills, an older one to another account
        trading.create_invoice("bill", OFFICE, "POS-1", date(2026, 4, 2), [
            DocumentLine("Toner cartridge HP 58A", D("1"), D("119.00"), "6110", "GST")])
        trading.create_invoice("bill", OFFICE, "POS-2", date(2026, 6, 25), [
            DocumentLine("Toner cartridge HP 58A", D("1"), D("119.00"), "6090", "GST"),
            DocumentLine("Milk 2L", D("2"), D("7.25"), "6230", "FRE")])
    return factory


def ceramics_invoice(number: str = "CC-24871", plates: str = "5", tax: str | None = None,
                     **kw: object) -> Extraction:
    lines = (Line(description=PLATE, quantity=D(plates), unit_price=D("9.80"),
                  amount=(D(plates) * D("9.80")).quantize(D("0.01")), tax_code="GST"),
             Line(description=BOWL, quantity=D("4"), unit_price=D("21.50"), amount=D("86.00"),
                  tax_code="GST"))
    sub = sum((ln.amount for ln in lines if ln.amount), D("0.00"))
    gst = D(tax) if tax else (sub / 10).quantize(D("0.01"))
    fields: dict[str, object] = dict(  # noqa: C408 (keyword arguments read better here)
        supplier=Supplier(name="Coastal Ceramics Wholesale", abn="33051775556"),
        invoice_number=number, issue_date=date(2026, 6, 24), due_date=date(2026, 7, 24),
        purchase_order="PO 100", subtotal=sub, tax=gst, total=sub + gst, lines=lines,
        method=Method.PDF_TEXT, confidence={"overall": 0.97})
    fields.update(kw)
    return Extraction(**fields)  # type: ignore[arg-type]


def kernel(session: Session, ex: Extraction, contact_id: int = CERAMICS
           ) -> tuple[BillProposal, Decision]:
    pos = ap_queries.purchase_orders_for_match(session, contact_id, ex.purchase_order)
    match = match_purchase_order(ex, contact_id=contact_id, purchase_orders=pos)
    proposal = propose_bill(ex, supplier=ap_queries.supplier_posting(session, contact_id),
                            history=ap_queries.past_bill_lines(session, contact_id), match=match,
                            chart=ap_queries.chart_for_proposals(session), today=TODAY)
    assert isinstance(proposal, BillProposal), proposal
    recent = ap_queries.recent_bills(session, contact_id, date(2026, 6, 17))
    return proposal, decide(proposal, ex.issues, match, 0.97, recent)


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# -- reads ---------------------------------------------------------------------------------------

def test_open_purchase_orders_carry_received_and_billed_quantities(sessions: Sessions) -> None:
    with unit_of_work(sessions) as session:
        orders = ap_queries.open_purchase_orders(session)
        assert [o.number for o in orders] == ["PO-100"]  # PO-099 is closed
        po = orders[0]
        assert (po.contact_id, po.status) == (CERAMICS, "partially_received")
        assert [(ln.line_no, ln.description, ln.quantity, ln.unit_price, ln.account_code,
                 ln.tax_code, ln.received, ln.billed) for ln in po.lines] == [
            (1, PLATE, D("10"), D("9.80"), "5000", "GST", D("5"), D(0)),
            (2, BOWL, D("4"), D("21.50"), "5000", "GST", D("4"), D(0))]
        assert all(ln.id for ln in po.lines) and po.id
        assert ap_queries.open_purchase_orders(session, OFFICE) == ()
        assert ap_queries.open_purchase_orders(session, CERAMICS) == orders


def test_billed_quantities_come_from_bill_lines_linked_to_the_order(sessions: Sessions,
                                                                      clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == "PO-100"))
        TradingStore(session, clock, "clerk").create_invoice(
            "bill", CERAMICS, "CC-1", date(2026, 6, 21),
            [DocumentLine(BOWL, D("3"), D("21.50"), "5000", "GST")], purchase_order=po)
        (state,) = ap_queries.open_purchase_orders(session, CERAMICS)
        assert [ln.billed for ln in state.lines] == [D(0), D("3")]
        closed = ap_queries.find_purchase_order(session, "PO-099")
        assert closed is not None and closed.status == "closed"
        assert [(ln.received, ln.billed) for ln in closed.lines] == [(D("40"), D("40"))]


def test_a_quoted_po_is_found_however_it_is_written_and_whatever_its_status(
        sessions: Sessions) -> None:
    with unit_of_work(sessions) as session:
        for text in ("PO-100", "po 100", "P.O. 0100"):
            found = ap_queries.find_purchase_order(session, text)
            assert found is not None and found.number == "PO-100", text
        assert ap_queries.find_purchase_order(session, "PO-7") is None
        assert ap_queries.find_purchase_order(session, "  ") is None
        assert ap_queries.find_purchase_order(session, None) is None
        both = ap_queries.purchase_orders_for_match(session, CERAMICS, "PO-099")
        assert [o.number for o in both] == ["PO-100", "PO-099"]
        foreign = ap_queries.purchase_orders_for_match(session, OFFICE, "PO-100")
        assert [o.number for o in foreign] == ["PO-100"]
        assert ap_queries.purchase_orders_for_match(session, None, None) == ()


def test_supplier_posting(sessions: Sessions) -> None:
    with unit_of_work(sessions) as session:
        ceramics = ap_queries.supplier_posting(session, CERAMICS)
        assert ceramics is not None
        assert (ceramics.contact_id, ceramics.name, ceramics.default_account_code,
                ceramics.payment_terms_days, ceramics.origin, ceramics.bills_posted) == (
            CERAMICS, "Coastal Ceramics Wholesale Pty Ltd", "5000", 30, "import", 1)
        office = ap_queries.supplier_posting(session, OFFICE)
        assert office is not None and (office.origin, office.bills_posted) == ("manual", 2)
        assert ap_queries.supplier_posting(session, 999) is None


def test_past_bill_lines_newest_first_with_their_accounts(sessions: Sessions) -> None:
    with unit_of_work(sessions) as session:
        lines = ap_queries.past_bill_lines(session, OFFICE)
        assert [(p.description, p.account_code, p.issue_date, p.tax_code) for p in lines] == [
            ("Milk 2L", "6230", date(2026, 6, 25), "FRE"),
            ("Toner cartridge HP 58A", "6090", date(2026, 6, 25), "GST"),
            ("Toner cartridge HP 58A", "6110", date(2026, 4, 2), "GST")]
        assert len(ap_queries.past_bill_lines(session, OFFICE, limit=1)) == 1


def test_recent_bills_include_documents_waiting_in_the_inbox(sessions: Sessions,
                                                             clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        assert ap_queries.recent_bills(session, OFFICE, date(2026, 6, 1)) == (
            RecentBill(date(2026, 6, 25), D("145.40"), "POS-2"),)

        def read(number: str, sha: str, total: str) -> int:
            ex = Extraction(supplier=Supplier(name="Pinnacle"), invoice_number=number,
                            issue_date=date(2026, 6, 26), total=D(total), method=Method.PDF_TEXT)
            return documents_store.record(session, clock, actor="t", inbox_message_id=None,
                                          source="upload", content_sha256=sha, extraction=ex,
                                          contact_id=OFFICE).id

        waiting = read("POS-3", "1" * 64, "4000.00")
        read("pos 2", "2" * 64, "145.40")       # the posted bill read again: not counted twice
        mine = read("POS-4", "3" * 64, "900.00")
        recent = ap_queries.recent_bills(session, OFFICE, date(2026, 6, 1), exclude_document_id=mine)
        assert [(b.number, b.total) for b in recent] == [("POS-2", D("145.40")), ("POS-3", D("4000.00"))]
        assert waiting
        assert len(ap_queries.recent_bills(session, OFFICE, date(2026, 6, 1),
                                           include_pending=False)) == 1


def test_chart_for_proposals(sessions: Sessions) -> None:
    with unit_of_work(sessions) as session:
        chart = ap_queries.chart_for_proposals(session)
        assert (chart.accounts_payable, chart.gst_paid) == ("2100", "2210")
        assert {"5000", "5100", "6090", "6230", "1500", "1300", "1400"} <= chart.line_accounts
        assert not {"1100", "1110", "1200", "2100", "2200", "2210", "4000", "3100"} & chart.line_accounts
        assert chart.unclassified_account is None
        assert ap_queries.chart_for_proposals(session, "6050").unclassified_account == "6050"
        assert ap_queries.chart_for_proposals(session, "2100").unclassified_account is None
        assert ap_queries.chart_for_proposals(session, "9999").unclassified_account is None
        assert chart.tax_rates["GST"] == D("0.10") and chart.tax_rates["FRE"] == 0


def test_who_last_changed_the_bank_details(sessions: Sessions, clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        assert ap_queries.bank_details_last_changed_by(session, CERAMICS) == "daniel"
        ContactsStore(session, clock, "mallory").set_bank_details(
            CERAMICS, BankDetails("033000", "99887766", None))
        assert ap_queries.bank_details_last_changed_by(session, CERAMICS) == "mallory"
        assert ap_queries.bank_details_last_changed_by(session, 999) is None


# -- post_bill_proposal ----------------------------------------------------------------------------

def test_a_matched_bill_posts_once_linked_to_its_order(sessions: Sessions, clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        proposal, decision = kernel(session, ceramics_invoice())
        assert decision.outcome == "auto_post", decision.reasons
        assert proposal.purchase_order_number == "PO-100"
        trading = TradingStore(session, clock, "agent")
        bill = trading.post_bill_proposal(proposal, idempotency_key="ap:CC-24871",
                                          purchase_order_number="PO-100", decision=decision)
        assert (bill.number, bill.total, bill.tax, bill.status) == (
            "CC-24871", D("148.50"), D("13.50"), "posted")
        assert bill.reference == "PO-100" and bill.due_date == date(2026, 7, 24)
        po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == "PO-100"))
        assert po is not None and po.status == "partially_received"  # 5 plates still to bill
        assert [ln.purchase_order_line_id for ln in bill.lines] == [ln.id for ln in po.lines]
        (state,) = ap_queries.open_purchase_orders(session, CERAMICS)
        assert [ln.billed for ln in state.lines] == [D("5"), D("4")]
        journal = trading.ledger.journal(bill.journal_id or 0)
        assert journal.idempotency_key == "ap:CC-24871"
        assert [(ln.account_code, ln.amount, ln.contact_id) for ln in journal.lines] == [
            ("5000", D("135.00"), CERAMICS), ("2210", D("13.50"), None),
            ("2100", D("-148.50"), CERAMICS)]
        counts = (count(session, Invoice), count(session, InvoiceLine), count(session, Journal))
        # the same key again: the same bill, nothing new
        again = trading.post_bill_proposal(proposal, idempotency_key="ap:CC-24871",
                                           purchase_order_number="PO-100", decision=decision)
        assert again.id == bill.id
        # ...even when the policy has changed since: nothing moves on a replay
        stricter = PolicyConfig(auto_approve_limit=D("10"))
        assert trading.post_bill_proposal(proposal, idempotency_key="ap:CC-24871",
                                          purchase_order_number="PO-100", decision=decision,
                                          policy=stricter).id == bill.id
        assert (count(session, Invoice), count(session, InvoiceLine), count(session, Journal)) == counts
        audit = [p for p in session.scalars(select(AuditEntry.payload).where(
            AuditEntry.action == "bill.posted")) if "proposal_hash" in p]
        assert len(audit) == 1 and proposal.proposal_hash() in audit[0]
        assert '"decision":"auto_post"' in audit[0] and '"approved_by":null' in audit[0]


def test_the_last_delivery_billed_closes_the_order(sessions: Sessions, clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        trading = TradingStore(session, clock, "agent")
        proposal, decision = kernel(session, ceramics_invoice())
        trading.post_bill_proposal(proposal, idempotency_key="k1", purchase_order_number="PO-100",
                                   decision=decision)
        po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == "PO-100"))
        assert po is not None
        trading.receive_goods("GR-101", po, date(2026, 6, 27), {1: D("5")}, "liam")
        rest = ceramics_invoice("CC-24900", plates="5").model_copy(update={
            "lines": (ceramics_invoice().lines[0],), "subtotal": D("49.00"), "tax": D("4.90"),
            "total": D("53.90")})
        proposal, decision = kernel(session, rest)
        assert decision.outcome == "auto_post", decision.reasons
        trading.post_bill_proposal(proposal, idempotency_key="k2", purchase_order_number="PO-100",
                                   decision=decision)
        assert po.status == "closed"
        assert ap_queries.open_purchase_orders(session, CERAMICS) == ()


def test_billing_the_undelivered_half_needs_approval_and_posts_only_when_approved(
        sessions: Sessions, clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        proposal, decision = kernel(session, ceramics_invoice(plates="10"))
        assert decision.outcome == "needs_approval" and "po_not_received" in decision.hard_codes
        assert proposal.purchase_order_number == "PO-100"  # linked: the approver decides
        trading = TradingStore(session, clock, "agent")
        before = count(session, Journal)
        with pytest.raises(LedgerError) as info:
            trading.post_bill_proposal(proposal, idempotency_key="k", purchase_order_number="PO-100",
                                       decision=decision)
        assert info.value.codes == ("approval_required",)
        by_bank_changer = Approval("daniel", "owner", "approve", proposal.proposal_hash())
        with pytest.raises(LedgerError) as info:
            trading.post_bill_proposal(proposal, idempotency_key="k", purchase_order_number="PO-100",
                                       decision=decision, approval=by_bank_changer)
        assert info.value.codes == ("segregation_of_duties",)
        assert count(session, Journal) == before
        ok = Approval("priya", "approver", "approve", proposal.proposal_hash())
        bill = trading.post_bill_proposal(proposal, idempotency_key="k",
                                          purchase_order_number="PO-100", decision=decision,
                                          approval=ok)
        assert bill.total == D("202.40") and count(session, Journal) == before + 1
        po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.number == "PO-100"))
        assert po is not None and po.status == "closed"  # billed in full


def test_a_different_proposal_under_the_same_key_is_refused(sessions: Sessions,
                                                            clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        trading = TradingStore(session, clock, "agent")
        proposal, decision = kernel(session, ceramics_invoice())
        trading.post_bill_proposal(proposal, idempotency_key="k", purchase_order_number="PO-100",
                                   decision=decision)
        other, other_decision = kernel(session, ceramics_invoice(tax="13.49"))
        assert other_decision.codes[0] == "po_not_received"  # the first one used up the delivery
        approved = Approval("priya", "approver", "approve", other.proposal_hash())
        with pytest.raises(LedgerError) as info:
            trading.post_bill_proposal(other, idempotency_key="k", purchase_order_number="PO-100",
                                       decision=other_decision, approval=approved)
        assert info.value.codes == ("idempotency_conflict",)
        with pytest.raises(LedgerError) as info:   # another key, the same bill number
            trading.post_bill_proposal(proposal, idempotency_key="k-2",
                                       purchase_order_number="PO-100", decision=decision)
        assert info.value.codes == ("duplicate_invoice",)


def test_the_stated_gst_is_what_is_posted(sessions: Sessions, clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        ex = Extraction(supplier=Supplier(name="Pinnacle Office Supplies"),
                        invoice_number="POS-9", issue_date=date(2026, 6, 26), subtotal=D("59.97"),
                        tax=D("5.99"), total=D("65.96"), method=Method.UBL,
                        lines=(Line(description="Toner cartridge HP 58A", quantity=D("3"),
                                    unit_price=D("19.99"), amount=D("59.97"), tax_code="GST"),))
        proposal, decision = kernel(session, ex, OFFICE)
        assert proposal.computed_tax == D("6.00") and proposal.tax == D("5.99")
        trading = TradingStore(session, clock, "agent")
        bill = trading.post_bill_proposal(proposal, idempotency_key="k", purchase_order_number=None,
                                          decision=decision)
        assert (bill.subtotal, bill.tax, bill.total) == (D("59.97"), D("5.99"), D("65.96"))
        assert [ln.tax_amount for ln in bill.lines] == [D("5.99")]
        assert bill.lines[0].account_id == trading.ledger.account_id("6090")  # learned
        assert trading.ledger.movement("2210", date(2026, 6, 26), date(2026, 6, 26)) == D("5.99")
        assert trading.ledger.trial_balance().balanced


def test_what_cannot_be_posted_is_refused_before_anything_is_written(
        sessions: Sessions, clock: TickingClock) -> None:
    with unit_of_work(sessions) as session:
        trading = TradingStore(session, clock, "agent")
        proposal, decision = kernel(session, ceramics_invoice())
        before = count(session, Journal)
        cases: list[tuple[dict[str, object], str]] = [
            ({"idempotency_key": "", "purchase_order_number": "PO-100"}, "no_idempotency_key"),
            ({"idempotency_key": "k", "purchase_order_number": "PO-099"}, "purchase_order_mismatch"),
            ({"idempotency_key": "k", "purchase_order_number": "PO-100",
              "policy": PolicyConfig(auto_approve_limit=D("100"))}, "above_auto_approve_limit"),
        ]
        for kwargs, code in cases:
            with pytest.raises(LedgerError) as info:
                trading.post_bill_proposal(proposal, decision=decision, **kwargs)  # type: ignore[arg-type]
            assert info.value.codes == (code,)
        with pytest.raises(LedgerError) as info:
            trading.post_bill_proposal(replace(proposal, journal=None), idempotency_key="k",
                                       purchase_order_number="PO-100", decision=decision)
        assert info.value.codes == ("proposal_incomplete",)
        changed = replace(proposal, due_date=date(2026, 8, 1))
        with pytest.raises(LedgerError) as info:
            trading.post_bill_proposal(changed, idempotency_key="k",
                                       purchase_order_number="PO-100", decision=decision)
        assert info.value.codes == ("proposal_changed",)
        assert count(session, Journal) == before
