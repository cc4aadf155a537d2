"""CSV bytes as the importers read them: UTF-8, comma separated, CRLF, fields quoted when needed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str] | None]) -> bytes:
    """A header row, then the rows; `None` writes an empty line (MYOB's record separator)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for row in rows:
        if row is None:
            out.write("\r\n")
        else:
            writer.writerow(row)
    return out.getvalue().encode("utf-8")
