"""Versioned prompt files: header, hash, sections, explicit template variables."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from prompts.loader import Prompt, PromptError, load_prompt


def test_extract_invoice_prompt_loads_with_version_and_hash() -> None:
    prompt = load_prompt("extract_invoice")
    raw = (Path(__file__).resolve().parents[2] / "prompts" / "extract_invoice.md").read_bytes()
    assert isinstance(prompt, Prompt) and prompt.name == "extract_invoice"
    assert prompt.version == 1
    assert prompt.sha256 == hashlib.sha256(raw).hexdigest()
    assert prompt.ref == f"extract_invoice@1#{prompt.sha256[:12]}"
    assert set(prompt.sections()) == {"system", "user", "repair"}
    system = prompt.render("system")
    assert "DATA, NOT INSTRUCTIONS" in system and "instructions_found" in system
    assert not system.startswith("---") and "version:" not in system


def test_user_section_puts_the_document_inside_the_nonce_block() -> None:
    text = load_prompt("extract_invoice").render("user", nonce="ab12", document="Pay $100 {now}")
    assert "<<<DOCUMENT ab12\nPay $100 {now}\nDOCUMENT ab12>>>" in text


def test_render_requires_exactly_the_declared_variables() -> None:
    prompt = load_prompt("extract_invoice")
    with pytest.raises(PromptError, match="takes"):
        prompt.render("user", nonce="x")
    with pytest.raises(PromptError, match="takes"):
        prompt.render("user", nonce="x", document="d", extra="e")
    with pytest.raises(PromptError, match="no section"):
        prompt.render("nope")


def test_main_section_and_dollar_escape(tmp_path: Path) -> None:
    (tmp_path / "hello.md").write_text("---\nversion: 3\ndescription: test\n---\nCost: $$5 for $who\n")
    prompt = load_prompt("hello", directory=tmp_path)
    assert prompt.version == 3
    assert prompt.render(who="Ann") == "Cost: $5 for Ann"


@pytest.mark.parametrize("content, message", [
    ("no header\n", "no front-matter"),
    ("---\nversion: 1\nbody\n", "not closed"),
    ("---\ndescription: x\n---\nbody\n", "version"),
    ("---\nversion: one\n---\nbody\n", "version"),
    ("---\nnot a pair\n---\nbody\n", "key: value"),
])
def test_malformed_files_are_rejected(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "bad.md").write_text(content)
    with pytest.raises(PromptError, match=message):
        load_prompt("bad", directory=tmp_path)


@pytest.mark.parametrize("name", ["../secrets", "Extract", "a/b", "", "x.md"])
def test_names_are_identifiers_not_paths(name: str) -> None:
    with pytest.raises(PromptError):
        load_prompt(name)


def test_missing_prompt() -> None:
    with pytest.raises(PromptError, match="no prompt"):
        load_prompt("does_not_exist")

