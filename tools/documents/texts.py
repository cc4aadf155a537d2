"""Text pulled out of a document or an email, labelled with where it was found.

The injection screen reads these: the same words mean more in `pdf.hidden` (a reader cannot see
them) than in `email.body`, and a flag must say where the words were.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabelledText:
    # email.subject, email.body, email.hidden_html, attachment.name, pdf.text, pdf.hidden,
    # ocr.text, ubl.text, cii.text
    source: str
    text: str
