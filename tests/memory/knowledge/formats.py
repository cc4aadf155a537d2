"""Small DOCX and PDF documents made in the test (python-docx, fpdf2), with numbered sections."""

from __future__ import annotations

from pathlib import Path

SECTIONS = [("4. Purchasing", "Purchases follow the limits below."),
            ("4.2 Delegations", "A store manager may commit up to $2,000 per order."),
            ("4.3 Petty cash", "Petty cash is capped at $200 and counted each Friday.")]


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Delegations Schedule", level=1)
    for heading, body in SECTIONS:
        document.add_heading(heading, level=2)
        document.add_paragraph(body)
    document.save(str(path))
    return path


def make_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=16)
    pdf.cell(0, 10, "Delegations Schedule", new_x="LMARGIN", new_y="NEXT")
    for heading, body in SECTIONS:
        pdf.set_font("Helvetica", "B", size=13)
        pdf.cell(0, 9, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path
