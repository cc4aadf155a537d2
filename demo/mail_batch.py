"""Fresh supplier emails for load, soak and throughput runs: clean PDF and PEPPOL UBL invoices from
the demo's known suppliers (those that do not work to purchase orders), rendered the way the demo
renders its mailbox, each with its own invoice number and Message-ID, deterministic for a seed."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from demo.company import ORGANISATION, SUPPLIERS
from demo.documents import build_invoice_email, render_invoice_pdf, render_ubl_invoice
from demo.mailbox import AEST, _document
from tools.ledger.postings import DocumentLine


def invoice_emails(n: int, seed: int, *, tag: str = "bench") -> list[bytes]:
    """`n` raw RFC 5322 messages; invoice numbers and Message-IDs carry `tag` and `seed`."""
    rng = random.Random(seed)
    suppliers = [s for s in SUPPLIERS if not s.uses_purchase_orders]
    out = []
    for i in range(n):
        s = rng.choice(suppliers)
        items = rng.sample(list(s.items), k=min(len(s.items), rng.randint(1, 3)))
        lines = [DocumentLine(desc, Decimal(rng.randint(1, 4)), price, s.default_account, s.tax_code)
                 for desc, price in items]
        issue = date(2026, 6, 1) + timedelta(days=rng.randint(0, 28))
        doc = _document(s, f"{tag.upper()}-{seed}-{i:05d}", issue, lines, None,
                        (s.bsb, s.account_number))
        ubl = s.layout == "ubl"
        attachment = render_ubl_invoice(doc) if ubl else render_invoice_pdf(doc, s.layout)
        message = build_invoice_email(
            doc, attachment=attachment, filename=f"{doc.invoice_number}.{'xml' if ubl else 'pdf'}",
            content_type="application/xml" if ubl else "application/pdf", sender=s.email,
            to=ORGANISATION["email"], message_id=f"<{tag}.{seed}.{i}@{s.email.split('@')[1]}>",
            sent_at=datetime.combine(issue, time(9), AEST),
            body_text=f"Please find attached invoice {doc.invoice_number}.\n")
        out.append(message.as_bytes())
    return out
