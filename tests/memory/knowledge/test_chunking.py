"""Chunking by clause: headings become the chunk's clause and heading; long sections split."""

from __future__ import annotations

import pytest

from adapters.knowledge.chunking import Block, chunk_blocks, parse_heading, split_text
from adapters.knowledge.ingest import paragraphs_from_lines, parse_front_matter, read_document

from .conftest import FIXTURES


@pytest.mark.parametrize(("text", "expected"), [
    ("4. Purchasing", ("4", "Purchasing")),
    ("4.2 Delegations", ("4.2", "Delegations")),
    ("Clause 25.5 — Sunday", ("25.5", "Sunday")),
    ("cl 15.1 Span of hours", ("15.1", "Span of hours")),
    ("cl 22 Penalty rates — Saturday", ("22", "Penalty rates — Saturday")),
])
def test_clause_headings_are_recognised(text: str, expected: tuple[str, str]) -> None:
    assert parse_heading(text) == expected


@pytest.mark.parametrize("text", [
    "15.1 The ordinary hours are worked on any day.",   # a sentence, not a heading
    "38 hours a week are ordinary hours",               # a number starting a sentence
    "A daily meal allowance of $60 applies.",
])
def test_sentences_are_not_headings(text: str) -> None:
    assert parse_heading(text) is None


def test_a_title_without_a_number_is_a_heading_without_a_clause() -> None:
    assert parse_heading("About this summary", is_title=True) == ("", "About this summary")
    assert parse_heading("About this summary") is None


def test_sections_keep_their_clause_and_parent() -> None:
    blocks = [Block("Policy", True), Block("4. Purchasing", True), Block("Intro text."),
              Block("4.2 Delegations", True), Block("Managers may spend $2,000."),
              Block("5. Suppliers", True), Block("5.1 New suppliers", True), Block("Check the ABN.")]
    chunks = chunk_blocks(blocks, skip_title="Policy")
    assert [(c.clause, c.heading, c.parent) for c in chunks] == [
        ("4", "Purchasing", ""), ("4.2", "Delegations", "4 Purchasing"),
        ("5.1", "New suppliers", "5 Suppliers")]
    assert chunks[1].text == "Managers may spend $2,000."


def test_a_long_section_splits_into_bounded_chunks_that_keep_their_clause() -> None:
    raw = read_document(FIXTURES / "records-long.md")
    chunks = chunk_blocks(raw.blocks, max_chars=1200, skip_title="Records Manual")
    filing = [c for c in chunks if c.clause == "7.3"]
    assert len(filing) > 1
    assert all(len(c.text) <= 1200 and c.heading == "Filing" for c in filing)
    assert sum(c.text.count("Paragraph") for c in filing) == 24   # nothing lost
    assert [c.clause for c in chunks][-1] == "7.4"


def test_split_text_breaks_an_overlong_paragraph_by_sentence() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(200))
    pieces = split_text(text, 300)
    assert all(len(p) <= 300 for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_front_matter_is_read_and_removed() -> None:
    meta, body = parse_front_matter("---\nid: x\ntitle: 'A: B'\n---\n# Heading\n")
    assert meta == {"id": "x", "title": "A: B"}
    assert body.startswith("# Heading")


def test_pdf_lines_put_headings_in_paragraphs_of_their_own() -> None:
    text = "Policy\n4.2 Delegations\nManagers may spend\nup to $2,000.\n4.3 Petty cash\nCapped."
    assert paragraphs_from_lines(text).split("\n\n") == [
        "Policy", "4.2 Delegations", "Managers may spend up to $2,000.", "4.3 Petty cash", "Capped."]
