"""Versioned prompt files: `prompts/<name>.md` → a `Prompt` (text, version, sha256).

Why files and hashes: a prompt is part of the product's behaviour, so it is reviewed like code,
evaluated on every change (ARCHITECTURE.md §1, evaluators) and recorded with every decision it fed
(§2 principle 5: "the model and prompt versions"). The sha256 of the file's bytes identifies the
exact wording even when someone forgets to bump `version`.

File format: a small front-matter header, then the body. The body may be split into named sections
with marker lines `<!-- section: NAME -->`; text before the first marker is section "main".

    ---
    version: 1
    description: one line for humans
    ---
    <!-- section: system -->
    ...
    <!-- section: user -->
    ... $document ...

Templates use `string.Template` (`$name`, `$$` for a literal dollar) because prompts are full of
JSON braces; `Prompt.render` insists on exactly the declared variables so a typo fails loudly.
Reading happens only when `load_prompt` is called, never at import time.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["Prompt", "PromptError", "load_prompt"]

_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_SECTION = re.compile(r"^<!--\s*section:\s*([a-z][a-z0-9_]*)\s*-->[ \t]*$", re.MULTILINE)
_HEADER_LINE = re.compile(r"([a-z_][a-z0-9_]*)\s*:\s*(.*)")


class PromptError(Exception):
    """A prompt file that is missing or malformed, or a render with the wrong variables."""


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    text: str          # the body after the header (all sections, markers included)
    sha256: str        # of the whole file's bytes, header included

    @property
    def ref(self) -> str:
        """A short provenance label, e.g. 'extract_invoice@1#3f2a9c1b0d4e'."""
        return f"{self.name}@{self.version}#{self.sha256[:12]}"

    def sections(self) -> dict[str, str]:
        parts = _SECTION.split(self.text)
        out = {"main": parts[0].strip("\n")} if parts[0].strip() else {}
        for name, body in zip(parts[1::2], parts[2::2]):
            if name in out:
                raise PromptError(f"prompt {self.name!r} has two sections called {name!r}")
            out[name] = body.strip("\n")
        return out

    def section(self, name: str) -> str:
        try:
            return self.sections()[name]
        except KeyError:
            raise PromptError(f"prompt {self.name!r} has no section {name!r}") from None

    def render(self, section: str = "main", /, **variables: str) -> str:
        """Fill one section's `$placeholders`. Every placeholder must be given and nothing else:
        values are inserted verbatim (never re-interpreted), so document text containing `$x`
        or `{braces}` is safe."""
        template = string.Template(self.section(section))
        if not template.is_valid():
            raise PromptError(f"prompt {self.name!r} section {section!r} has a malformed placeholder")
        wanted = set(template.get_identifiers())
        given = set(variables)
        if wanted != given:
            raise PromptError(
                f"prompt {self.name!r} section {section!r} takes {sorted(wanted)}, got {sorted(given)}")
        return template.substitute(variables)


def _parse(name: str, raw: bytes) -> Prompt:
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PromptError(f"prompt {name!r} is not UTF-8") from exc
    content = content.replace("\r\n", "\n")
    if not content.startswith("---\n"):
        raise PromptError(f"prompt {name!r} has no front-matter header")
    header, sep, body = content[4:].partition("\n---\n")
    if not sep:
        raise PromptError(f"prompt {name!r} front-matter header is not closed with '---'")
    meta: dict[str, str] = {}
    for line in header.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _HEADER_LINE.fullmatch(line.strip())
        if m is None:
            raise PromptError(f"prompt {name!r} header line {line!r} is not 'key: value'")
        meta[m[1]] = m[2].strip()
    version = meta.get("version", "")
    if not version.isdigit() or int(version) < 1:
        raise PromptError(f"prompt {name!r} needs 'version: N' (a positive integer) in its header")
    return Prompt(name=name, version=int(version), text=body.strip("\n") + "\n",
                  sha256=hashlib.sha256(raw).hexdigest())


def load_prompt(name: str, *, directory: Path | None = None) -> Prompt:
    """Read `prompts/<name>.md` (or `<directory>/<name>.md`). `name` is a bare identifier, never a
    path, so a caller-supplied name cannot reach outside the prompt directory."""
    if not _NAME.fullmatch(name):
        raise PromptError(f"prompt name {name!r} must be lower-case letters, digits and '_'")
    try:
        if directory is not None:
            raw = (directory / f"{name}.md").read_bytes()
        else:
            raw = resources.files(__package__ or "prompts").joinpath(f"{name}.md").read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise PromptError(f"no prompt called {name!r}") from None
    return _parse(name, raw)
