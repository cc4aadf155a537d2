"""Learning from an approver's correction through the API: a held bill from a demo supplier whose
purchase order sits under a label the extractor does not know is edited to add it; a layout version
is stored for the supplier; the supplier's next invoice reads its purchase order from the learned
anchor; replaying the decision learns nothing twice; corrections that do not add up are 422."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from demo.company import ORGANISATION, SUPPLIERS
from demo.documents import DocInvoice, DocLine, DocParty, DocPayment, build_invoice_email
from evals.generators.styles import _Flex
from memory import layouts_store
from memory.db import unit_of_work
from memory.documents_schema import ExtractedDocument
from tests.api.conftest import Api, pending

D = Decimal
FREIGHT = next(s for s in SUPPLIERS if s.key == "freight")


class _OwnWords(_Flex):
    """The supplier's own layout: its order number is its "Job Authority"."""

    def __init__(self, inv: DocInvoice, variant: int) -> None:
        super().__init__(inv, variant)
        self.labels["po"] = "Job Authority"


def _invoice(number: str, po: str, price: str, issued: date) -> DocInvoice:
    s = FREIGHT
    amount = D(price)
    tax = (amount * D("0.1")).quantize(D("0.01"))
    return DocInvoice(
        supplier=DocParty(s.name, s.abn, s.email, s.address, "02 9555 0101"),
        customer=DocParty(ORGANISATION["name"], ORGANISATION["abn"], ORGANISATION["email"],
                          ORGANISATION["address"]),
        invoice_number=number, issue_date=issued, due_date=issued + timedelta(days=14),
        purchase_order=po, lines=(DocLine("Metro pallet delivery", D(1), amount, amount, "GST"),),
        subtotal=amount, tax=tax, total=amount + tax,
        payment=DocPayment(s.bsb, s.account_number, s.name, number))


def _send(api: Api, inv: DocInvoice, n: int) -> int:
    pdf = _OwnWords(inv, 3).render()
    message = build_invoice_email(
        inv, attachment=pdf, filename=f"{inv.invoice_number}.pdf", content_type="application/pdf",
        sender=FREIGHT.email, to=ORGANISATION["email"], message_id=f"<learn-{n}@metrofreight.com.au>",
        sent_at=datetime(2026, 6, 29, 9, n, tzinfo=UTC), body_text="Invoice attached.\n")
    r = api.client.post("/v1/inbox/messages", content=message.as_bytes(),
                        headers=api.auth("clerk", **{"Content-Type": "message/rfc822"}))
    assert r.status_code in (200, 201, 202), r.text
    api.tick()
    return r.json()["id"]


def _approval_for(api: Api, message_id: int) -> dict[str, Any]:
    item = next(a for a in pending(api) if a["inbox_message_id"] == message_id)
    return api.client.get(f"/v1/approvals/{item['id']}", headers=api.auth("owner")).json()


def _edit(api: Api, a: dict[str, Any], changes: dict[str, Any], key: str = "learn-1"):  # type: ignore[no-untyped-def]
    return api.client.post(f"/v1/approvals/{a['id']}/decision",
                           json={"decision": "edit", "proposal_hash": a["proposal_hash"], "changes": changes},
                           headers=api.auth("approver", **{"Idempotency-Key": key}))


def _extraction(api: Api, message_id: int) -> dict[str, Any]:
    with unit_of_work(api.runtime.sessions) as session:
        row = session.scalar(select(ExtractedDocument.extraction)
                             .where(ExtractedDocument.inbox_message_id == message_id))
    assert row is not None
    return json.loads(row)


@pytest.fixture
def held(api: Api) -> tuple[Api, dict[str, Any]]:
    first = _invoice("MFL-120001", "JOB-5521", "6200.00", date(2026, 6, 20))  # above auto-approval
    message_id = _send(api, first, 1)
    a = _approval_for(api, message_id)
    read = a["evidence"]["extraction"]
    assert read["invoice_number"] == "MFL-120001" and read["purchase_order"] is None  # missed
    assert a["proposal"]["complete"] and a["required_role"] == "approver"
    return api, a


def test_an_edited_purchase_order_is_learned_and_read_on_the_next_invoice(held) -> None:  # type: ignore[no-untyped-def]
    api, a = held
    r = _edit(api, a, {"purchase_order": "JOB-5521"})
    assert r.status_code == 200, r.text
    assert r.json()["run"]["state"] == "posted"
    assert r.json()["approval"]["changes"] == {"lines": [], "purchase_order": "JOB-5521"}
    with unit_of_work(api.runtime.sessions) as session:
        lessons = layouts_store.lessons(session, FREIGHT.abn)
    assert [(x.version, x.outcome, x.approval_id) for x in lessons] == [(1, "learned", a["id"])]
    layout = lessons[0].layout
    assert layout is not None and layout.anchor("purchase_order").label == "job authority"  # type: ignore[union-attr]
    assert lessons[0].taught_by == r.json()["approval"]["decided_by"]
    assert lessons[0].lesson["corrected"] == {"purchase_order": "JOB-5521"}

    replay = _edit(api, a, {"purchase_order": "JOB-5521"})  # the same decision again
    assert replay.status_code == 200 and replay.json()["replayed"] is True
    with unit_of_work(api.runtime.sessions) as session:
        assert len(layouts_store.lessons(session, FREIGHT.abn)) == 1

    second = _send(api, _invoice("MFL-120002", "JOB-5530", "180.00", date(2026, 6, 27)), 2)
    read = _extraction(api, second)
    assert read["purchase_order"] == "JOB-5530"
    assert read["provenance"]["learned_layout"] == f"{FREIGHT.abn} v1"
    assert read["confidence"]["purchase_order"] >= 0.9


def _cli(api: Api, *args: str, key: str | None = None):  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from api.cli import cli

    env = {"BACKOFFICE_HOME": str(api.home), "BACKOFFICE_DATABASE_URL": None, "BACKOFFICE_API_KEY": key}
    return CliRunner().invoke(cli, list(args), env=env, prog_name="backoffice")


def test_the_cli_corrects_a_reading_and_lists_the_versions(held, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    api, a = held
    monkeypatch.chdir(tmp_path)  # no .env
    approver = api.keys["approver"]
    wrong = _cli(api, "approvals", "edit", str(a["id"]), "--set", "total=1.00", key=approver)
    assert wrong.exit_code == 2 and "[edit_money_does_not_add_up]" in wrong.output
    assert _cli(api, "approvals", "edit", str(a["id"]), "--set", "colour=red", key=approver).exit_code == 2
    done = _cli(api, "approvals", "edit", str(a["id"]), "--set", "purchase_order=JOB-5521", "--json",
                key=approver)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["run"]["state"] == "posted"
    result = _cli(api, "suppliers", "layouts", FREIGHT.abn, "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["supplier_abn"] == FREIGHT.abn and body["current_version"] == 1
    assert [v["version"] for v in body["lessons"]] == [1]
    assert any(x["field"] == "purchase_order" for x in body["lessons"][0]["layout"]["anchors"])
    text = _cli(api, "suppliers", "layouts", FREIGHT.abn)
    assert text.exit_code == 0 and "version 1" in text.output and "'job authority'" in text.output
    assert _cli(api, "suppliers", "layouts", "123").exit_code == 2


@pytest.mark.parametrize("changes, status, code", [
    ({"total": "1.00"}, 422, "edit_money_does_not_add_up"),
    ({"subtotal": "6200.00", "tax": "620.00", "total": "6830.00"}, 422, "edit_money_does_not_add_up"),
    ({"total": "1.005"}, 422, "validation_error"),
    ({"subtotal": "12000.00", "tax": "1200.00", "total": "13200.00"}, 403, "above_role_limit"),
])
def test_corrections_that_do_not_add_up_are_refused(held, changes: dict[str, Any], status: int,  # type: ignore[no-untyped-def]
                                                    code: str) -> None:
    api, a = held
    r = _edit(api, a, changes, key=f"bad-{code}")
    assert r.status_code == status, r.text
    if code != "validation_error":
        assert r.json()["error"]["code"] == code
    assert api.client.get(f"/v1/approvals/{a['id']}", headers=api.auth("owner")).json()["status"] == "pending"
    with unit_of_work(api.runtime.sessions) as session:
        assert layouts_store.lessons(session, FREIGHT.abn) == []


def test_a_corrected_total_posts_the_corrected_bill(held) -> None:  # type: ignore[no-untyped-def]
    api, a = held
    r = _edit(api, a, {"subtotal": "6300.00", "tax": "630.00", "total": "6930.00"}, key="total")
    assert r.status_code == 200, r.text
    bill = api.client.get(f"/v1/bills/{r.json()['run']['bill_id']}", headers=api.auth("auditor")).json()
    assert (bill["subtotal"], bill["tax"], bill["total"]) == ("6300.00", "630.00", "6930.00")


def test_a_correction_contradicting_the_suppliers_earlier_invoices_is_refused_and_recorded(held) -> None:  # type: ignore[no-untyped-def]
    api, a = held
    assert _edit(api, a, {"purchase_order": "JOB-5521"}).status_code == 200
    with unit_of_work(api.runtime.sessions) as session:
        v1 = layouts_store.latest(session, FREIGHT.abn)
    assert v1 is not None and v1.anchor("due_date") is not None
    third = _invoice("MFL-120003", "JOB-5540", "7100.00", date(2026, 6, 28))
    later = _approval_for(api, _send(api, third, 3))
    # The approver types the invoice date as the due date: the bill is theirs to schedule, but the
    # lesson would drop the due-date anchor that read invoice 1 as accepted.
    r = _edit(api, later, {"due_date": "2026-06-28"}, key="learn-3")
    assert r.status_code == 200 and r.json()["run"]["state"] == "posted"
    with unit_of_work(api.runtime.sessions) as session:
        lessons = layouts_store.lessons(session, FREIGHT.abn)
        assert layouts_store.latest(session, FREIGHT.abn) == v1
    assert [(x.version, x.outcome) for x in lessons] == [(1, "learned"), (None, "refused")]
    refused = lessons[1].lesson["refused"]
    assert [x["rule"] for x in refused] == ["field:due_date"]
    assert lessons[1].lesson["backtested_documents"] >= 1  # invoice 1 (and the demo mailbox's)


def test_a_recoded_line_codes_the_suppliers_next_bill(held) -> None:  # type: ignore[no-untyped-def]
    from memory.ap_queries import chart_for_proposals

    api, a = held
    with unit_of_work(api.runtime.sessions) as session:
        accounts = sorted(chart_for_proposals(session).line_accounts)
    other = next(code for code in accounts if code != a["proposal"]["lines"][0]["account"])
    r = _edit(api, a, {"lines": [{"index": 0, "account_code": other}]})
    assert r.status_code == 200, r.text
    with unit_of_work(api.runtime.sessions) as session:
        layout = layouts_store.latest(session, FREIGHT.abn)
    assert layout is not None and layout.account_for("Metro pallet delivery") is not None
    message = _send(api, _invoice("MFL-120004", "JOB-5550", "6400.00", date(2026, 6, 28)), 4)
    proposal = _approval_for(api, message)["proposal"]
    assert proposal["lines"][0]["account"] == other
    assert proposal["lines"][0]["account_rule"].startswith("supplier_rule:v1:")
