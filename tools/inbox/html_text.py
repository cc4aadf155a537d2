"""HTML email bodies to plain text with the stdlib html.parser, keeping hidden text apart.

Why hidden text matters: invoice fraud and prompt injection hide instructions from the human reader
(display:none, zero-size or white text) while a text extractor would happily read them. Visible text
goes to `text`; text a browser would not show goes to `hidden` so validation can flag it.
Iterative (an explicit stack), so deeply nested markup cannot exhaust Python's recursion limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

_SKIP = frozenset({"script", "style", "head", "title", "template", "noscript"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr"})
_BLOCK = frozenset({"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5",
                    "h6", "blockquote", "pre", "section", "article", "header", "footer", "hr",
                    "address", "dl", "dt", "dd", "center", "form"})
_CELL = frozenset({"td", "th"})
_MAX_STACK = 2000  # markup nested deeper than this is flattened, not followed

_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden"
    r"|font-size\s*:\s*0+(?:\.0+)?\s*(?:px|pt|em|rem|%)?\s*(?:;|$|!)"
    r"|(?<![-\w])color\s*:\s*(?:#fff(?:fff)?\b|white\b|rgba?\(\s*255\s*,\s*255\s*,\s*255\b)"
    r"|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!)|max-height\s*:\s*0(?:px)?\s*(?:;|$|!)",
    re.I)
_WHITE = re.compile(r"^\s*(?:#fff(?:fff)?|white)\s*$", re.I)


@dataclass(frozen=True)
class HtmlText:
    text: str
    hidden: tuple[str, ...]  # each run of text a reader would not see, in document order


def _hides(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    for name, value in attrs:
        value = value or ""
        if name == "hidden" or (name == "aria-hidden" and value.lower() == "true" and tag != "img"):
            return True
        if name == "style" and _HIDDEN_STYLE.search(value):
            return True
        if name == "color" and tag == "font" and _WHITE.match(value):
            return True
        if name == "size" and tag == "font" and value.strip() in ("0", "-7"):
            return True
    return False


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, hidden, skipped)
        self.out: list[str] = []
        self.hidden: list[str] = []
        self.hidden_run: list[str] = []

    def _state(self) -> tuple[bool, bool]:
        return (self.stack[-1][1], self.stack[-1][2]) if self.stack else (False, False)

    def _flush_hidden(self) -> None:
        run = " ".join("".join(self.hidden_run).split())
        if run:
            self.hidden.append(run)
        self.hidden_run = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        hidden, skipped = self._state()
        if tag in _BLOCK:
            self.out.append("\n")
        elif tag in _CELL:
            self.out.append("\t")
        if tag in _VOID or len(self.stack) >= _MAX_STACK:
            return
        now_hidden = hidden or _hides(tag, attrs)
        if now_hidden and not hidden:
            self._flush_hidden()
        self.stack.append((tag, now_hidden, skipped or tag in _SKIP))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching open tag; a stray end tag with no opener is ignored.
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                was_hidden = self.stack[i][1] and not (i > 0 and self.stack[i - 1][1])
                del self.stack[i:]
                if was_hidden:
                    self._flush_hidden()
                break
        if tag in _BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        hidden, skipped = self._state()
        if skipped:
            return
        (self.hidden_run if hidden else self.out).append(data)


def html_to_text(html: str) -> HtmlText:
    """Visible text of an HTML body (paragraphs on their own lines) and the hidden text runs."""
    conv = _Converter()
    try:
        conv.feed(html)
        conv.close()
    except Exception:  # html.parser is lenient, but never let a body break intake
        pass
    conv._flush_hidden()
    lines = (" ".join(line.split()) for line in "".join(conv.out).replace("\t", " ").splitlines())
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return HtmlText(text, tuple(conv.hidden))
