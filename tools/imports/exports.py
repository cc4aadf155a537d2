"""Which export a file is, told by its header, and the reading of it."""

from __future__ import annotations

from tools.imports import myob, xero
from tools.imports.model import ExportFile, ImportRefused
from tools.imports.read import read_table

_READERS = {"xero": xero, "myob": myob}


def read_export(data: bytes, file: str, system: str) -> ExportFile:
    """Read one Xero or MYOB export file; a file of the other system, or one whose header is no
    export this import knows, is refused naming its header."""
    if system not in _READERS:
        raise ImportRefused.at("unknown_system", f"imports come from xero or myob, not {system!r}", file)
    table = read_table(data, file)
    kind = _READERS[system].detect(table.keys)
    if kind is None:
        other = next((s for s, m in _READERS.items() if s != system and m.detect(table.keys)), None)
        if other:
            raise ImportRefused.at("wrong_system", f"looks like a {other.upper()} export, not "
                                   f"{system.upper()}: use `backoffice import {other}`", file, 1)
        shown = ", ".join(h for h in table.header[:8] if h)
        raise ImportRefused.at("unknown_export", f"is not an export this import knows (its header "
                               f"starts {shown!r}): export the chart of accounts, contacts, "
                               "invoices/bills or trial balance as CSV", file, 1)
    return _READERS[system].read(table, kind)
