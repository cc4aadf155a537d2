"""The one entry point: format detection over the whole corpus, and the refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tools.bank.corpus import FIXTURES, corpus_files, fixture, ids, needs_corpus
from tools.bank.csv_mapping import load_mapping
from tools.bank.model import BankFileError
from tools.bank.read import detect_format, read_statements

EXPECTED_FORMATS = (
    [(p, "ofx") for p in corpus_files("ofxparse", "**/*.ofx") + corpus_files("csv2ofx", "*/*.ofx")]
    + [(p, "camt053") for p in corpus_files("camt-genkgo", "*.xml")]
    + [(p, "mt940") for p in corpus_files("mt940", "*/*.sta")
       if p.name not in ("invalid_statement.sta", "empty_non_swift.sta")]
    + [(p, "mt940") for p in corpus_files("mt940", "ASNB/*.txt")]
    + [(p, "qif") for p in corpus_files("csv2ofx", "*/*.qif")]
    + [(p, "csv") for p in corpus_files("csv2ofx", "test/*.csv")])


@needs_corpus
@pytest.mark.parametrize(("path", "expected"), EXPECTED_FORMATS,
                         ids=ids([p for p, _ in EXPECTED_FORMATS]))
def test_detects_every_corpus_file_without_its_name(path: Path, expected: str) -> None:
    assert detect_format(path.read_bytes()) == expected


@pytest.mark.parametrize(("name", "layout"), [
    ("cba.csv", "csv:cba"), ("nab.csv", "csv:nab"), ("westpac.csv", "csv:westpac"),
    ("anz.csv", "csv:anz"), ("commbank.ofx", "ofx"), ("au_day_first.qif", "qif")])
def test_reads_each_fixture_through_the_entry_point(name: str, layout: str) -> None:
    statements = read_statements(fixture(name), name)
    assert statements and statements[0].format == layout
    assert all(st.lines for st in statements)


def test_reads_mt940_and_camt_by_content() -> None:
    assert read_statements(fixture("au_statement.sta"), "statement.txt")[0].format == "mt940"
    assert read_statements(fixture("nab_camt053.xml"), "statement.txt")[0].format == "camt053"


def test_a_mapping_reads_a_csv_the_banks_layouts_do_not_cover() -> None:
    mapping = load_mapping(FIXTURES / "ing_mapping.json")
    (st,) = read_statements(fixture("ing.csv"), "ing.csv", mapping=mapping)
    assert st.format == "csv:ing" and len(st.lines) == 3


def test_a_mapping_is_for_csv_only() -> None:
    mapping = load_mapping(FIXTURES / "ing_mapping.json")
    with pytest.raises(BankFileError) as caught:
        read_statements(fixture("commbank.ofx"), format="ofx", mapping=mapping)
    assert caught.value.code == "mapping_invalid"


def test_the_format_can_be_given() -> None:
    # A QIF read as CSV is not a bank layout we know: the given format wins over detection.
    with pytest.raises(BankFileError) as caught:
        read_statements(fixture("au_day_first.qif"), format="csv")
    assert caught.value.code == "csv_unknown_layout"
    assert read_statements(fixture("commbank.ofx"), format="qfx")[0].format == "ofx"


def test_an_unknown_format_name() -> None:
    with pytest.raises(BankFileError) as caught:
        read_statements(fixture("cba.csv"), format="xlsx")
    assert caught.value.code == "unknown_format_name"


@pytest.mark.parametrize(("data", "code"), [
    (b"", "empty_file"),
    (b" \r\n\t\n", "empty_file"),
    (None, "not_text"),                                      # junk.bin
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not_text"),
    (b"PK\x03\x04\x14\x00\x06\x00", "not_text"),             # an Excel workbook
    (b"Dear bookkeeper\nplease find our statement attached\n", "unknown_format"),
    (b"<?xml version='1.0'?><Invoice><ID>1</ID></Invoice>", "unknown_format"),
])
def test_files_that_are_not_statements_have_distinct_codes(data: bytes | None, code: str) -> None:
    data = fixture("junk.bin") if data is None else data
    with pytest.raises(BankFileError) as caught:
        read_statements(data, "upload.bin")
    assert caught.value.code == code
    with pytest.raises(BankFileError) as detected:
        detect_format(data)
    assert detected.value.code == code


def test_the_message_says_what_a_pdf_is() -> None:
    with pytest.raises(BankFileError) as caught:
        read_statements(b"%PDF-1.4\n...", "statement.pdf")
    assert "PDF" in caught.value.message


def test_an_empty_file_named_csv() -> None:
    with pytest.raises(BankFileError) as caught:
        read_statements(fixture("empty.csv"), "empty.csv")
    assert caught.value.code == "empty_file"


def test_too_large_a_file_is_refused_before_reading() -> None:
    with pytest.raises(BankFileError) as caught:
        read_statements(fixture("cba.csv"), "cba.csv", max_bytes=100)
    assert caught.value.code == "file_too_large"


def test_the_file_name_breaks_a_tie() -> None:
    one_column = b"hello\nworld\n"
    assert detect_format(one_column, "statement.csv") == "csv"
    with pytest.raises(BankFileError):
        detect_format(one_column, "statement.dat")
