"""`backoffice demo`: a whole demo company built offline, deterministically, into BACKOFFICE_HOME, with
books that balance, an audit chain that verifies (and breaks visibly when tampered with), and an AP
inbox of real supplier emails. The demo is built once for the module; other homes are copies."""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from api.cli import cli
from memory.db import create_db_engine, session_factory, unit_of_work
from memory.ledger_store import LedgerStore
from memory.schema import AuditEntry, Organisation
from adapters.clock import SystemClock


def run(home: Path, *args: str) -> Result:
    env = {"BACKOFFICE_HOME": str(home), "BACKOFFICE_DATABASE_URL": None}
    return CliRunner().invoke(cli, list(args), env=env, prog_name="backoffice")


@dataclass(frozen=True)
class Demo:
    home: Path
    summary: dict


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    home = tmp_path_factory.mktemp("demo") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(home.parent)  # no stray .env from the working directory
        result = run(home, "demo", "--json")
        assert result.exit_code == 0, result.output
        yield Demo(home, json.loads(result.stdout))


def _copy_books(source: Path, target: Path) -> Path:
    """A consistent copy of a home's SQLite database (WAL included), into a home of its own."""
    target.mkdir(parents=True)
    src = sqlite3.connect(source / "backoffice.db")
    dst = sqlite3.connect(target / "backoffice.db")
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


def _manifest(demo: Demo) -> list[dict]:
    return json.loads((demo.home / "demo" / "inbox_manifest.json").read_text(encoding="utf-8"))


# -- the summary and the books ---------------------------------------------------------------

def test_the_summary_is_balanced_and_its_counts_are_sensible(demo: Demo) -> None:
    s = demo.summary
    assert s["organisation"] == "Harbour & Vine Homewares Pty Ltd"
    assert Path(s["home"]) == demo.home.resolve()
    assert s["database"] == f"sqlite:///{demo.home.resolve() / 'backoffice.db'}"
    tb = s["trial_balance"]
    assert tb["balanced"] is True
    assert tb["total_debit"] == tb["total_credit"]
    assert Decimal(tb["total_debit"]) > Decimal("1000000")
    c = s["counts"]
    assert c["employees"] == 22
    assert c["suppliers"] >= 15
    assert c["customers"] >= 6
    assert c["inbox_messages"] >= 12
    assert c["open_purchase_orders"] >= 2
    assert c["pay_runs"] >= 24  # fortnightly for a year
    assert c["bills"] >= 12 * 14 and c["sales"] >= 52
    assert c["payments"] > 0 and c["journals"] > c["bills"] + c["sales"]
    assert s["audit"]["rows"] > c["journals"]
    assert len(s["audit"]["head_hash"]) == 64
    assert 0 < s["seconds"] < 60


def test_the_intake_records_every_message_and_reads_each_invoice_exactly(demo: Demo) -> None:
    """Every demo email is recorded and extracted; each scenario raises exactly its own issue; the
    stored extraction equals the manifest's expected fields."""
    manifest = _manifest(demo)
    intake = demo.summary["intake"]
    assert intake["recorded"] == len(manifest) and intake["quarantined"] == []
    assert sum(intake["methods"].values()) == len(manifest)
    assert intake["methods"]["ubl"] == sum(m["format"] == "ubl" for m in manifest)
    engine = create_db_engine(f"sqlite:///{demo.home / 'backoffice.db'}")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT m.message_id, d.issue_codes, d.extraction FROM extracted_documents d "
            "JOIN inbox_messages m ON m.id = d.inbox_message_id").all()
    engine.dispose()
    stored = {mid: (codes, json.loads(doc)) for mid, codes, doc in rows}
    want_issue = {"duplicate": "duplicate_suspected", "bank_details_changed": "bank_details_changed",
                  "unknown_supplier": "supplier_unknown", "injection": "suspected_injection"}
    for entry in manifest:
        codes, doc = stored[entry["message_id"].strip("<>")]
        expected = want_issue.get(entry["scenario"])
        assert set(filter(None, codes.split(","))) == ({expected} if expected else set()), entry["file"]
        for key in ("invoice_number", "issue_date", "due_date", "subtotal", "tax", "total",
                    "purchase_order", "supplier"):
            assert doc[key] == entry["expected"][key], (entry["file"], key)
        assert [ln["amount"] for ln in doc["lines"]] == [ln["amount"] for ln in entry["expected"]["lines"]]


def test_the_ap_agent_posts_the_clean_invoices_and_holds_the_risky_ones(demo: Demo) -> None:
    ap = demo.summary["ap"]
    assert ap["touchless_candidates"] >= 7 and ap["touchless_rate"] >= 0.85
    assert ap["wrong_postings"] == 0
    assert ap["outcomes"]["posted"] == ap["touchless"]
    waiting = dict(w.split(": ", 1) for w in ap["waiting"])
    by_scenario = {m["scenario"]: m["expected"]["invoice_number"] for m in _manifest(demo)}
    for scenario, code in (("bank_details_changed", "bank_details_changed"),
                           ("duplicate", "duplicate_suspected"), ("po_price_mismatch", "po_price_mismatch"),
                           ("injection", "suspected_injection"), ("clean_po_match", "above_approver_limit")):
        assert code in waiting[by_scenario[scenario]], (scenario, waiting)


def test_trial_balance_json_balances_in_exact_decimal_strings(demo: Demo) -> None:
    result = run(demo.home, "ledger", "trial-balance", "--json")
    assert result.exit_code == 0, result.output
    tb = json.loads(result.stdout)
    assert tb["balanced"] is True
    assert isinstance(tb["total_debit"], str) and isinstance(tb["total_credit"], str)
    assert tb["total_debit"] == tb["total_credit"] == demo.summary["trial_balance"]["total_debit"]
    total = Decimal(tb["total_debit"])
    assert total.as_tuple().exponent == -2
    assert sum(Decimal(r["debit"]) for r in tb["rows"]) == total
    assert sum(Decimal(r["credit"]) for r in tb["rows"]) == total
    for row in tb["rows"]:
        assert Decimal(row["balance"]) == Decimal(row["debit"]) - Decimal(row["credit"])
    by_code = {r["code"]: r for r in tb["rows"]}
    assert Decimal(by_code["1100"]["debit"]) > 0  # the business has money in the bank
    assert Decimal(by_code["6200"]["debit"]) > 0  # and paid wages


def test_trial_balance_as_of_a_date_also_balances(demo: Demo) -> None:
    tb = json.loads(run(demo.home, "ledger", "trial-balance", "--as-of", "2025-12-31", "--json").stdout)
    assert tb["as_of"] == "2025-12-31"
    assert tb["balanced"] is True
    assert Decimal(tb["total_debit"]) < Decimal(demo.summary["trial_balance"]["total_debit"])


def test_ledger_journal_for_june_returns_only_june_journals(demo: Demo) -> None:
    result = run(demo.home, "ledger", "journal", "--from", "2026-06-01", "--to", "2026-06-30", "--json")
    assert result.exit_code == 0, result.output
    journals = json.loads(result.stdout)
    assert len(journals) > 20
    dates = [date.fromisoformat(j["date"]) for j in journals]
    assert all(date(2026, 6, 1) <= d <= date(2026, 6, 30) for d in dates)
    assert dates == sorted(dates)
    assert {"bill", "sale", "payment", "payroll"} <= {j["source_type"] for j in journals}
    for j in journals:
        assert sum(Decimal(ln["debit"]) for ln in j["lines"]) == sum(
            Decimal(ln["credit"]) for ln in j["lines"])
    everything = json.loads(run(demo.home, "ledger", "journal", "--json").stdout)
    assert len(everything) == demo.summary["counts"]["journals"]
    assert [j["id"] for j in everything if j["date"].startswith("2026-06")] == [j["id"] for j in journals]


def test_the_march_quarter_bas_is_paid_in_april(demo: Demo) -> None:
    result = run(demo.home, "ledger", "journal", "--from", "2026-04-01", "--to", "2026-04-30", "--json")
    narrations = [j["narration"] for j in json.loads(result.stdout)]
    assert "BAS Jan-Mar 2026: GST and PAYG withholding" in narrations


# -- the audit chain -------------------------------------------------------------------------

def test_audit_verify_passes_on_the_demo(demo: Demo) -> None:
    result = run(demo.home, "audit", "verify")
    assert result.exit_code == 0, result.output
    head = demo.summary["audit"]["head_hash"]
    assert f"audit log intact: {demo.summary['audit']['rows']} rows, head {head}" in result.output
    pinned = run(demo.home, "audit", "verify", "--expect-head", head, "--json")
    assert pinned.exit_code == 0 and json.loads(pinned.stdout)["intact"] is True


def test_a_tampered_audit_row_is_named_by_verify(demo: Demo, tmp_path: Path) -> None:
    home = _copy_books(demo.home, tmp_path / "tampered")
    with sqlite3.connect(home / "backoffice.db") as db:
        db.execute("DROP TRIGGER audit_log_no_update")
        db.execute("""UPDATE audit_log SET payload = '{"forged":true}' WHERE seq = 10""")
    db.close()
    result = run(home, "audit", "verify")
    assert result.exit_code == 1
    assert "audit log BROKEN at row 10: row 10 was edited after it was written" in result.stderr
    report = json.loads(run(home, "audit", "verify", "--json").stdout)
    assert report["intact"] is False and report["first_bad_seq"] == 10 and report["rows_checked"] == 9
    # the original home is untouched
    assert run(demo.home, "audit", "verify").exit_code == 0


def test_a_truncated_audit_log_is_caught_by_the_recorded_head(demo: Demo, tmp_path: Path) -> None:
    home = _copy_books(demo.home, tmp_path / "truncated")
    last = demo.summary["audit"]["rows"]
    with sqlite3.connect(home / "backoffice.db") as db:
        db.execute("DROP TRIGGER audit_log_no_delete")
        db.execute("DELETE FROM audit_log WHERE seq >= ?", (last - 4,))
    db.close()
    assert run(home, "audit", "verify").exit_code == 0  # the chain that is left is intact...
    result = run(home, "audit", "verify", "--expect-head", demo.summary["audit"]["head_hash"])
    assert result.exit_code == 1  # ...but the head recorded earlier is gone
    assert "not on the chain" in result.stderr


# -- the AP inbox ----------------------------------------------------------------------------

def _delivered(demo: Demo, entry: dict) -> Path:
    """Where the demo's intake left a manifest entry's message: read, so in cur/ and flagged Seen."""
    return demo.home / "mail" / "inbox" / "cur" / f"{Path(entry['file']).name}:2,S"


def test_the_maildir_holds_one_parseable_invoice_email_per_manifest_entry(demo: Demo) -> None:
    inbox = demo.home / "mail" / "inbox"
    manifest = _manifest(demo)
    files = sorted(p.name for p in (inbox / "cur").iterdir())
    assert len(files) == len(manifest) == demo.summary["counts"]["inbox_messages"] >= 12
    assert sorted(_delivered(demo, m).name for m in manifest) == files
    assert not any((inbox / "tmp").iterdir()) and not any((inbox / "new").iterdir())
    assert {m["scenario"] for m in manifest} >= {"clean", "clean_po_match", "partial_receipt",
                                                 "bank_details_changed", "duplicate", "unknown_supplier"}
    for entry in manifest:
        expected = entry["expected"]
        message = email.message_from_bytes(_delivered(demo, entry).read_bytes(),
                                           policy=email.policy.default)
        assert message["Message-ID"] == entry["message_id"]
        assert message["From"].addresses[0].addr_spec == expected["supplier"]["email"]
        attachments = list(message.iter_attachments())
        assert len(attachments) == 1, entry["file"]
        attachment = attachments[0]
        kind = attachment.get_content_type()
        assert kind in ("application/pdf", "application/xml"), kind
        assert entry["format"] == ("ubl" if kind == "application/xml" else entry["format"])
        assert entry["format"].startswith("pdf:") == (kind == "application/pdf")
        assert attachment.get_filename() == f"{expected['invoice_number']}.{kind.split('/')[1]}"
        subtotal, tax, total = (Decimal(expected[k]) for k in ("subtotal", "tax", "total"))
        assert total == subtotal + tax, entry["file"]
        assert sum(Decimal(ln["amount"]) for ln in expected["lines"]) == subtotal
        body = message.get_body(preferencelist=("plain",))
        assert body is not None and f"${total:,.2f}" in body.get_content()
        content = attachment.get_content()
        if kind == "application/pdf":
            assert content.startswith(b"%PDF")
            pdf = pdfium.PdfDocument(content)
            try:
                text = "".join(page.get_textpage().get_text_range() for page in pdf)
            finally:
                pdf.close()
            assert expected["invoice_number"] in text, entry["file"]
        else:
            xml = content if isinstance(content, str) else content.decode("utf-8")
            assert f">{expected['invoice_number']}</cbc:ID>" in xml
            assert expected["total"] in xml


def test_the_inbox_waits_on_open_purchase_orders_with_goods_received(demo: Demo) -> None:
    manifest = _manifest(demo)
    po_numbers = [m["expected"]["purchase_order"] for m in manifest if m["expected"]["purchase_order"]]
    assert len(po_numbers) >= 2
    assert len(po_numbers) == demo.summary["counts"]["open_purchase_orders"]
    changed = next(m for m in manifest if m["scenario"] == "bank_details_changed")
    assert changed["expected"]["payment"]["bsb"] == "033000"


# -- determinism and safety ------------------------------------------------------------------

def test_rebuilding_gives_identical_books_audit_and_mail(demo: Demo, tmp_path: Path) -> None:
    home = tmp_path / "again"
    shutil.copytree(demo.home, home)  # rebuild over an existing demo: it replaces its own books
    result = run(home, "demo")
    assert result.exit_code == 0, result.output
    # the plain summary is for people
    assert result.output.startswith("Demo company built: Harbour & Vine Homewares Pty Ltd")
    assert "22 employees" in result.output
    assert demo.summary["audit"]["head_hash"][:16] in result.output
    assert "Next: backoffice ledger trial-balance; backoffice audit verify" in result.output
    # the same audit chain, to the last hash, and the same books
    report = json.loads(run(home, "audit", "verify", "--json").stdout)
    assert report["intact"] is True
    assert report["head_hash"] == demo.summary["audit"]["head_hash"]
    assert report["rows_checked"] == demo.summary["audit"]["rows"]
    tb = json.loads(run(home, "ledger", "trial-balance", "--json").stdout)
    assert tb["total_debit"] == demo.summary["trial_balance"]["total_debit"]
    # and byte-identical mail, manifest and payment file
    for sub in ("mail/inbox/cur", "demo", "payments"):
        ours = {p.name: p.read_bytes() for p in (demo.home / sub).iterdir()}
        theirs = {p.name: p.read_bytes() for p in (home / sub).iterdir()}
        assert ours == theirs, sub


def test_the_demo_will_not_replace_another_companys_books(tmp_path: Path) -> None:
    home = tmp_path / "real"
    assert run(home, "db", "upgrade").exit_code == 0
    engine = create_db_engine(f"sqlite:///{home / 'backoffice.db'}")
    with unit_of_work(session_factory(engine)) as session:
        LedgerStore(session, SystemClock(), "owner").create_organisation(
            "Real Books Pty Ltd", "53 004 085 616", state="VIC")
    engine.dispose()

    result = run(home, "demo")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "Real Books Pty Ltd" in result.stderr
    assert "will not replace them" in result.stderr
    assert "[demo_refused]" in result.stderr

    engine = create_db_engine(f"sqlite:///{home / 'backoffice.db'}")
    try:
        with unit_of_work(session_factory(engine)) as session:
            org = session.get(Organisation, 1)
            assert org is not None and org.name == "Real Books Pty Ltd" and org.abn == "53004085616"
            assert session.scalars(select(AuditEntry.action)).all() == ["organisation.created"]
    finally:
        engine.dispose()
    assert not (home / "mail").exists()
    assert run(home, "audit", "verify").exit_code == 0


# -- the assistant ---------------------------------------------------------------------------

def test_the_demo_asks_three_questions_and_answers_each_from_its_tools(demo: Demo) -> None:
    knowledge, asked = demo.summary["knowledge"], demo.summary["assistant"]["questions"]
    assert knowledge["documents"] >= 6 and knowledge["chunks"] > knowledge["documents"]
    assert len(asked) == 3
    payables, policy, award = asked
    assert [t["name"] for t in payables["tool_calls"]] == ["query_ledger"]
    with unit_of_work(session_factory(create_db_engine(_url(demo)))) as session:
        tb = LedgerStore(session, SystemClock(), "test").trial_balance()
    owed = -next(r.balance for r in tb.rows if r.code == "2100")
    assert f"${owed:,.2f}" in payables["answer"]
    assert policy["citations"] and "Purchasing" in policy["citations"][0]["document"]
    assert award["citations"][0]["clause"] and "175%" in award["answer"]


def _url(demo: Demo) -> str:
    return f"sqlite:///{demo.home / 'backoffice.db'}"


def test_ask_prints_the_json_contract(demo: Demo) -> None:
    result = run(demo.home, "ask", "What do we pay a casual retail worker on a Sunday?", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert {"answer", "citations", "tool_calls", "thread_id"} <= set(body)
    assert set(body["citations"][0]) == {"document", "clause", "text"}
    assert body["tool_calls"] == [{"name": "search_policies", "arguments": {
        "query": "What do we pay a casual retail worker on a Sunday?", "k": 5}}]
    follow = run(demo.home, "ask", "What is waiting for approval?", "--thread", body["thread_id"])
    assert follow.exit_code == 0, follow.output
    assert "awaiting approval" in follow.stdout and body["thread_id"] in follow.stdout


def test_ask_as_a_clerk_is_refused_the_books_and_bad_threads_exit_2(demo: Demo) -> None:
    result = run(demo.home, "ask", "What was net profit in May 2026?", "--role", "clerk")
    assert result.exit_code == 0 and "can't answer" in result.stdout and "(refused)" in result.stdout
    bad = run(demo.home, "ask", "hello", "--thread", "chat-" + "f" * 32)
    assert bad.exit_code == 2 and "thread_not_found" in bad.output


# -- the bank --------------------------------------------------------------------------------

def test_the_demo_year_of_statements_is_imported_and_reconciled(demo: Demo) -> None:
    """A year of CommBank CSV and OFX statements in HOME/bank/, every line imported once; the
    bookkeeper worked July to March before the lock, April to June reconciled themselves but for
    a few; what is still open is what nobody could explain or the run was not sure of; and each
    account's reconciliation statement comes to a difference of $0.00."""
    bank = demo.summary["bank"]
    files = sorted((demo.home / "bank").iterdir())
    assert bank["files"] == len(files) >= 16
    assert {p.suffix for p in files} == {".csv", ".ofx"}
    assert bank["auto"] + bank["by_person"] + bank["open"] == bank["lines"] > 600
    assert bank["after_lock"]["auto"] >= 0.9 * bank["after_lock"]["lines"]
    truth = json.loads((demo.home / "demo" / "bank_truth.json").read_text(encoding="utf-8"))
    unknown_before_lock = sum(1 for st in truth["statements"] for ln in st["lines"]
                              if ln["truth"]["kind"] == "unknown" and ln["date"] <= "2026-03-31")
    status = json.loads(run(demo.home, "bank", "status", "--json").stdout)
    assert {s["account"] for s in status} == {"1100", "1110"}
    for account in status:
        assert account["statement"]["difference"] == "0.00", account
    assert status[1]["reconciled_to"] == "2026-06-30" and status[1]["open"] == 0
    open_lines = json.loads(run(demo.home, "bank", "exceptions", "--json").stdout)
    assert len(open_lines) == bank["open"]
    before_lock = [ln for ln in open_lines if ln["posted"] <= "2026-03-31"]
    assert len(before_lock) == unknown_before_lock    # the bookkeeper decided every other line


def test_the_demo_pays_its_due_bills_with_an_aba_file_and_marks_none_paid(demo: Demo) -> None:
    """One payment run of the posted bills due by 14 July: proposed by the clerk, approved by the
    owner (neither recorded the payees' bank details), its ABA file in HOME/payments/ reading as
    the published layout says, one credit per supplier to the bank details of the supplier master
    (demo.company), the balancing debit to 1100 Business Cheque Account; the bills stay unpaid."""
    from demo.company import SUPPLIERS
    from tests.tools.payments.aba_parser import parse

    pay = demo.summary["pay"]
    path = demo.home.resolve() / "payments" / "payrun-1.aba"
    assert pay["file"] == str(path) and path.is_file()
    data = path.read_bytes()
    aba = parse(data)
    assert (aba.header.bank, aba.header.apca_id, aba.header.process_on) == ("CBA", "301500",
                                                                           date(2026, 6, 30))
    db = sqlite3.connect(demo.home / "backoffice.db")
    try:
        due = db.execute(
            "SELECT c.name, i.number, i.total - coalesce((SELECT sum(p.amount) FROM payments p "
            "WHERE p.invoice_id = i.id), 0), i.status FROM invoices i JOIN contacts c ON "
            "c.id = i.contact_id WHERE i.kind = 'bill' AND i.status IN ('posted', 'paid') AND "
            "i.due_date <= '2026-07-14' AND i.total > coalesce((SELECT sum(p.amount) FROM "
            "payments p WHERE p.invoice_id = i.id), 0)").fetchall()
        changed_by = {r[0] for r in db.execute("SELECT changed_by FROM contact_bank_details")}
    finally:
        db.close()
    assert due and {status for *_, status in due} == {"posted"}    # none marked paid by the file
    expected: dict[str, int] = {}
    for name, _, cents, _ in due:
        expected[name] = expected.get(name, 0) + cents
    master = {s.name: s for s in SUPPLIERS}
    credits = [d for d in aba.details if d.code == "50"]
    assert {d.title: d.cents for d in credits} == expected
    for d in credits:
        s = master[d.title]
        assert (d.bsb, d.account) == (f"{s.bsb[:3]}-{s.bsb[3:]}", s.account_number)
        assert {n for name, n, _, _ in due if name == d.title} == set(d.reference.split())
        assert (d.trace_bsb, d.trace_account) == ("062-000", "10121234")
    (debit,) = [d for d in aba.details if d.code == "13"]
    assert (debit.bsb, debit.account, debit.cents) == ("062-000", "10121234", sum(expected.values()))
    assert debit.reference == "PAYRUN 100001"
    assert aba.totals.credit == aba.totals.debit == sum(expected.values()) and aba.totals.net == 0
    assert aba.totals.count == len(expected) + 1 == len(aba.details)
    assert pay["bills"] == len(due) and pay["suppliers"] == len(expected)
    assert Decimal(pay["total"]) * 100 == sum(expected.values())
    # segregation of duties: the approver proposed nothing and changed no bank details
    assert pay["proposed_by"] != pay["approved_by"] and pay["approved_by"] not in changed_by
    runs = json.loads(run(demo.home, "pay", "list", "--json").stdout)
    assert [(r["id"], r["status"], r["approved_by"]) for r in runs] == [(1, "written", "demo:owner")]
    assert runs[0]["file"]["sha256"] == hashlib.sha256(data).hexdigest() == pay["sha256"]
    assert runs[0]["file"]["records"] == aba.totals.count and runs[0]["remittances"] == []
