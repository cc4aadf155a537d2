"""Parsing untrusted XML (e-invoices from email) without letting the file attack the reader.

Why each guard:
* No DTD at all (defusedxml's `forbid_dtd`): a DOCTYPE is how billion-laughs and quadratic-blowup
  entities, XXE (`file:///etc/passwd`) and external DTD fetches get in. UBL and CII never need one,
  so any DOCTYPE is refused before its first declaration is read; entity declarations and external
  references are refused as well, in case a parser path reaches them without a DOCTYPE event.
* Nothing is fetched: expat itself never opens files or sockets, and the external-reference handler
  refuses instead of resolving. XInclude is never processed (we never call ElementInclude), so an
  `xi:include` is just an element nobody reads.
* A size cap on the bytes, and caps on element count and nesting depth, checked while parsing: a
  10 MB file of `<a><a><a>…` or a million empty elements is refused before the tree is built.

Speed: defusedxml's parser calls a Python method per element, then the tree builder; we keep its
hardened expat handlers and replace only the element handlers with one small counting function
that feeds the C TreeBuilder directly (about twice as fast; UBL must stay under ~1 ms a document).
`Paths` resolves the readers' prefixed paths one step at a time with ElementTree's C-level find,
about ten times faster than ElementPath for the few hundred look-ups an invoice needs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_DEPTH", "DEFAULT_MAX_ELEMENTS", "Paths", "XmlRefused",
           "parse_xml"]

MIB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MIB
DEFAULT_MAX_ELEMENTS = 250_000   # a 5,000-line UBL invoice has ~200k elements
DEFAULT_MAX_DEPTH = 100          # UBL/CII nest ~15 deep; signatures in extensions a little more


class XmlRefused(Exception):
    """XML we will not read. `code` is stable for programs; `message` is for a bookkeeper."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _size(n: int) -> str:
    return f"{n / MIB:.1f} MB" if n >= MIB else f"{n:,} bytes"


def _builder(parser: Any, target: ET.TreeBuilder, max_elements: int, max_depth: int) -> None:
    """Swap the per-element handlers for counting ones that feed the C TreeBuilder."""
    names: dict[str, str] = {}
    state = [0, 0]  # elements seen, current depth
    start, end = target.start, target.end

    def fix(key: str) -> str:  # expat gives "ns}local"; ElementTree wants "{ns}local"
        name = names.get(key)
        if name is None:
            name = names[key] = "{" + key if "}" in key else key
        return name

    def on_start(tag: str, attrs: list[str]) -> None:
        state[0] += 1
        state[1] += 1
        if state[1] > max_depth:
            raise XmlRefused("xml_too_deep", f"The XML nests elements more than {max_depth} "
                             "deep; no invoice does that, so it was not read.")
        if state[0] > max_elements:
            raise XmlRefused("xml_too_many_elements", f"The XML has more than {max_elements:,} "
                             "elements, more than any invoice we accept; it was not read.")
        attrib = {fix(attrs[i]): attrs[i + 1] for i in range(0, len(attrs), 2)} if attrs else {}
        start(fix(tag), attrib)

    def on_end(tag: str) -> None:
        state[1] -= 1
        end(fix(tag))

    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    parser.ordered_attributes = 1


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
              max_elements: int = DEFAULT_MAX_ELEMENTS,
              max_depth: int = DEFAULT_MAX_DEPTH) -> ET.Element:
    """Parse untrusted XML bytes into an ElementTree element, or raise `XmlRefused`.

    Codes: xml_too_large, xml_malformed (empty, not XML, broken), xml_dtd_forbidden,
    xml_entities_forbidden, xml_external_forbidden, xml_too_deep, xml_too_many_elements.
    """
    if len(data) > max_bytes:
        raise XmlRefused("xml_too_large", f"The XML file is {_size(len(data))}; the most we read "
                         f"is {_size(max_bytes)}.")
    if not data.strip():
        raise XmlRefused("xml_malformed", "The XML file is empty.")
    target = ET.TreeBuilder()
    parser = DefusedXMLParser(target=target, forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
    _builder(parser.parser, target, max_elements, max_depth)
    try:
        parser.feed(data)
        root: ET.Element = parser.close()
    except XmlRefused:
        raise
    except DTDForbidden:
        raise XmlRefused("xml_dtd_forbidden", "The XML declares a DOCTYPE (a DTD). E-invoices "
                         "never need one and it can hide an attack, so the file was not read."
                         ) from None
    except EntitiesForbidden:
        raise XmlRefused("xml_entities_forbidden", "The XML declares entities, which e-invoices "
                         "never use and which can hide an attack; the file was not read.") from None
    except ExternalReferenceForbidden:
        raise XmlRefused("xml_external_forbidden", "The XML refers to an external file or "
                         "address; it was not read and nothing was fetched.") from None
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise XmlRefused("xml_malformed", f"The file is not well-formed XML (line {line}, column "
                         f"{column}); ask the supplier to send it again.") from None
    except (ValueError, LookupError, UnicodeError):  # e.g. an unknown encoding declaration
        raise XmlRefused("xml_malformed", "The file is not readable XML (bad encoding or "
                         "characters).") from None
    return root


class Paths:
    """Child paths with prefixes ("cac:Item/cbc:Name") over a parsed tree, in document order like
    ElementPath's find/findall, but one C-level step at a time. Steps are compiled on first use."""

    def __init__(self, namespaces: dict[str, str]) -> None:
        self._ns = namespaces
        self._compiled: dict[str, tuple[str, ...]] = {}

    def _steps(self, path: str) -> tuple[str, ...]:
        steps = self._compiled.get(path)
        if steps is None:
            parts = (step.split(":", 1) for step in path.split("/"))
            steps = self._compiled[path] = tuple(
                f"{{{self._ns[p[0]]}}}{p[1]}" if len(p) == 2 else p[0] for p in parts)
        return steps

    def all(self, el: ET.Element | None, path: str) -> list[ET.Element]:
        nodes = [el] if el is not None else []
        for step in self._steps(path):
            nodes = [child for node in nodes for child in node.findall(step)]
        return nodes

    def first(self, el: ET.Element | None, path: str) -> ET.Element | None:
        return _first(el, self._steps(path)) if el is not None else None

    def text(self, el: ET.Element | None, path: str) -> str | None:
        found = self.first(el, path)
        return found.text if found is not None else None


def _first(el: ET.Element, steps: tuple[str, ...]) -> ET.Element | None:
    if len(steps) == 1:
        return el.find(steps[0])
    for child in el.findall(steps[0]):
        found = _first(child, steps[1:])
        if found is not None:
            return found
    return None
