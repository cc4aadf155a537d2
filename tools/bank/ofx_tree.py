"""A tolerant, fast tree of an OFX body, for both OFX 1.x (SGML) and 2.x (XML).

OFX 1.x is SGML: a value element ("<TRNAMT>-5.50") needs no end tag, an aggregate ("<STMTTRN>")
always has one. So a start tag followed by text is a value; a start tag followed by a tag opens an
aggregate. The one ambiguous case is an empty value with no end tag ("<NAME>" then "<MEMO>..."):
it is opened as an aggregate and, when an outer end tag closes it implicitly (a real aggregate is
always closed explicitly), its children are handed back to its parent, where they belong.

Transactions (STMTTRN) come out as flat dicts of their values, nested ones included (PAYEE/NAME).
Nearly all of a statement is transactions, so when every STMTTRN is closed they are cut out with
plain string splits and read with one regex each; only the small skeleton left goes through the
tag-by-tag tree builder. That is what keeps 100,000 transactions well under a second.

Why not ofxtools' own parser: it is correct but validates every element against the spec (a
BANKID over 9 characters, a missing sign-on, an investment file are refused) and is slow
(about 9 s for 100,000 transactions); banks' files are rarely spec-perfect.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from ofxtools.models.base import Aggregate

from tools.bank.model import BankFileError

# A start or end tag, then the text up to the next tag. Tag names are letters, digits, dots
# (private extensions such as INTU.BID) and underscores; a trailing "/" marks an empty XML element.
_TOKEN = re.compile(r"<(/?)([A-Za-z][\w.]*)([^<>]*)>([^<]*)")
_VALUE = re.compile(r"<([A-Za-z][\w.]*)[^<>/]*>([^<]*)")  # start tags only, for a flat transaction
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_LOWER_TAG = re.compile(r"</?[A-Z0-9._]*[a-z]")
_BROKEN_TAG = re.compile(r"<[^<>]*<")  # a "<" with no ">" before the next "<"
_TRN, _TRN_END = "<STMTTRN>", "</STMTTRN>"
_MARK = "<STMTTRN.CUT>#"  # stands in the skeleton for a transaction cut out of it

Transaction = dict[str, str]


def _aggregate_names(cls: type = Aggregate) -> frozenset[str]:
    """Every aggregate the OFX spec defines, from ofxtools' models: these always have end tags,
    so one left open is a damaged file, not an empty value element."""
    names: set[str] = set()
    for sub in cls.__subclasses__():
        names.add(sub.__name__)
        names |= _aggregate_names(sub)
    return frozenset(names)


_AGGREGATES = _aggregate_names()


class Node:
    """An OFX aggregate: its items in document order, each (TAG, value text, child Node, or, for
    a STMTTRN, the transaction's values)."""

    __slots__ = ("items", "tag")

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.items: list[tuple[str, str | Node | Transaction]] = []

    def text(self, tag: str) -> str:
        """The first value element `tag` directly inside this aggregate, "" if none."""
        for name, value in self.items:
            if name == tag and isinstance(value, str):
                return value
        return ""

    def child(self, *tags: str) -> Node | None:
        """The first direct child aggregate named one of `tags`."""
        for name, value in self.items:
            if name in tags and isinstance(value, Node):
                return value
        return None

    def transactions(self) -> list[Transaction]:
        return [value for name, value in self.items if name == "STMTTRN" and type(value) is dict]

    def find_all(self, tags: frozenset[str]) -> Iterator[Node]:
        """Aggregates named one of `tags` anywhere below, in document order (not looking inside
        a match: a statement is never nested in a statement)."""
        for name, value in self.items:
            if isinstance(value, Node):
                if name in tags:
                    yield value
                else:
                    yield from value.find_all(tags)

    def flat(self) -> Transaction:
        """Every value in this subtree, the first of each name."""
        found: Transaction = {}
        for name, value in self.items:
            if isinstance(value, Node):
                for inner, text in value.flat().items():
                    found.setdefault(inner, text)
            elif isinstance(value, str):
                found.setdefault(name, value)
        return found


def _clean(text: str) -> str:
    text = text.strip()
    return html.unescape(text) if "&" in text else text


def parse_tree(body: str) -> Node:
    """The body ("<OFX>...</OFX>") as a tree whose root holds the OFX aggregate.

    Raises BankFileError: ofx_malformed (no OFX element, stray text or end tags), ofx_truncated
    (the file ends before </OFX>, as a cut-off download does)."""
    if "<![CDATA[" in body:  # CDATA (Suncorp writes payees in it) as ordinary escaped text
        body = _CDATA.sub(lambda m: html.escape(m.group(1), quote=False), body)
    if "<!--" in body:
        body = _COMMENT.sub("", body)
    broken = _BROKEN_TAG.search(body)
    if broken:
        raise BankFileError("ofx_malformed", f"The OFX file has a broken tag "
                            f"{' '.join(broken.group(0)[:-1].split())[:40]!r}; it is not a "
                            "well-formed bank file.")
    # Tags are upper case by the spec; only a file that breaks that pays for upper-casing them.
    fold = _LOWER_TAG.search(body) is not None
    cut: list[Transaction] = []
    if not fold:
        body, cut = _cut_transactions(body)
    root = _build(body, fold)
    if root.child("OFX") is None:
        raise BankFileError("ofx_malformed", "The file has no <OFX> element, so it is not an OFX "
                            "or QFX bank file.")
    _settle_transactions(root, iter(cut))
    return root


def _cut_transactions(body: str) -> tuple[str, list[Transaction]]:
    """The body with each closed STMTTRN replaced by a marker, and the transactions cut out.
    Left as it is when any STMTTRN is unclosed or nested: the tree builder copes with those."""
    pieces = body.split(_TRN)
    if len(pieces) == 1 or body.count(_TRN_END) != len(pieces) - 1:
        return body, []
    skeleton, cut = [pieces[0]], []
    values = _VALUE.findall
    for piece in pieces[1:]:
        block, end, tail = piece.partition(_TRN_END)
        if not end:
            return body, []
        if "&" in block:
            cut.append({tag: _clean(text) for tag, text in reversed(values(block))})
        else:
            cut.append({tag: text.strip() for tag, text in reversed(values(block))})
        skeleton += (_MARK, tail)
    return "".join(skeleton), cut


def _settle_transactions(node: Node, cut: Iterator[Transaction]) -> None:
    """Put each cut-out transaction back where its marker is; turn STMTTRN aggregates the tree
    builder read into the same flat dicts."""
    for index, (name, value) in enumerate(node.items):
        if name == "STMTTRN.CUT":
            if value != "#":
                raise BankFileError("ofx_malformed", f"The OFX file has text {value[1:41]!r} "
                                    "after a </STMTTRN>, outside any element.")
            node.items[index] = ("STMTTRN", next(cut))
        elif isinstance(value, Node):
            if name == "STMTTRN":
                node.items[index] = ("STMTTRN", value.flat())
            else:
                _settle_transactions(value, cut)


def _build(body: str, fold: bool) -> Node:
    root = Node("")
    stack = [root]
    top = root
    closed_ofx = False
    for end, tag, rest, text in _TOKEN.findall(body):
        if fold:
            tag = tag.upper()
        if end:
            if top.tag == tag:
                stack.pop()
            elif top.items and top.items[-1][0] == tag:
                pass  # the optional end tag of a value element just read
            else:
                _close_to(stack, tag)
            top = stack[-1]
            if tag == "OFX":
                closed_ofx = True
            if text and not text.isspace():
                raise BankFileError("ofx_malformed", f"The OFX file has text "
                                    f"{text.strip()[:40]!r} after </{tag}>, outside any "
                                    "element; it is not a well-formed bank file.")
            continue
        text = text.strip()
        if text:
            top.items.append((tag, html.unescape(text) if "&" in text else text))
        elif rest.endswith("/"):
            top.items.append((tag, ""))
        else:
            node = Node(tag)
            top.items.append((tag, node))
            stack.append(node)
            top = node
    if not closed_ofx and root.child("OFX") is not None:
        raise BankFileError("ofx_truncated", "The OFX file ends before </OFX>: it looks cut off "
                            "(an interrupted download?). Download the statement again.")
    return root


def _close_to(stack: list[Node], tag: str) -> None:
    """Close `tag` further down the stack. What that closes implicitly must be empty value
    elements ("<NAME>" with no text in SGML), so their children move up to their parent."""
    for depth in range(len(stack) - 1, 0, -1):
        if stack[depth].tag == tag:
            while len(stack) > depth + 1:
                inner = stack.pop()
                if inner.tag in _AGGREGATES:
                    raise BankFileError("ofx_malformed", f"The OFX file closes </{tag}> while "
                                        f"<{inner.tag}> inside it is still open; it is not a "
                                        "well-formed bank file.")
                stack[-1].items.extend(inner.items)
                inner.items = []
            stack.pop()
            return
    raise BankFileError("ofx_malformed", f"The OFX file closes </{tag}> which was never opened; "
                        "it is not a well-formed bank file.")
