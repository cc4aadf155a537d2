"""The ABA (Cemtex / BECS direct entry) file a payment run gives the bank (pure).

The layout follows the Australian Bankers' Association "ABA" / Cemtex direct entry format as
published by the banks (e.g. https://app.cemtexaba.com/aba-format/cemtex-aba-file-format-details,
and the CBA/NAB/Westpac direct entry user guides it restates): fixed records of exactly 120
characters, each ended by CR LF.

* Type 0, descriptive record: 1 '0'; 2-18 blank; 19-20 reel sequence '01'; 21-23 the user's
  financial institution (e.g. CBA, WBC, NAB, ANZ); 24-30 blank; 31-56 user name (26, left);
  57-62 APCA user id (6 digits, right, zero filled); 63-74 description of entries (12, left);
  75-80 processing date DDMMYY; 81-120 blank.
* Type 1, detail record: 1 '1'; 2-8 BSB 'nnn-nnn'; 9-17 account number (9, right, blank filled);
  18 indicator (blank); 19-20 transaction code (50 general credit, 13 debit); 21-30 amount in
  cents (10, right, zero filled); 31-62 account title (32, left); 63-80 lodgement reference (18,
  left); 81-87 trace BSB 'nnn-nnn' and 88-96 trace account (9, right): the remitter's own
  account, where a rejected entry is returned; 97-112 remitter name (16, left); 113-120 amount of
  withholding tax in cents (8, zero filled).
* Type 7, file total record: 1 '7'; 2-8 '999-999'; 9-20 blank; 21-30 net total (credits less
  debits, absolute); 31-40 credit total; 41-50 debit total; 51-74 blank; 75-80 count of type 1
  records (6, zero filled); 81-120 blank.

Self-balancing: with `self_balance` (what CommBank CommBiz and NAB Connect expect) the file ends
its detail records with one debit (code 13) to the remitter's own account for the sum of the
credits, so the file's net total is zero and the business's statement shows that one debit, with
the run's reference. Banks that balance the file themselves (Westpac, ANZ for most users) want no
such record: pass `self_balance=False`. Text fields keep only the characters the direct entry
character set allows (folded to ASCII; anything else becomes a space).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from tools.ledger.problems import LedgerError, Problem

CREDIT = "50"
DEBIT = "13"
RECORD = 120
MAX_FIELD_CENTS = 9_999_999_999          # 10 digits
_ALLOWED = re.compile(r"[^A-Za-z0-9 &'()*+,\-./:;?=!\"%#@_^$<>\[\]{}|~`\\]")


@dataclass(frozen=True)
class Remitter:
    """The business sending the file: its bank, the user name and APCA id the bank issued, and
    the account the run is paid from (also the trace account)."""
    bank: str                 # 3 letters: CBA, WBC, NAB, ANZ, BQL...
    user_name: str            # up to 26
    apca_id: str              # 6 digits
    bsb: str                  # 6 digits, with or without the hyphen
    account_number: str       # up to 9 digits
    remitter_name: str        # up to 16: what the payee's statement says the money is from
    description: str = "CREDITORS"   # up to 12


@dataclass(frozen=True)
class Credit:
    bsb: str
    account_number: str
    title: str
    cents: int
    reference: str
    label: str = ""           # who this is, for refusals ("Acme Tiles Pty Ltd")


def clean(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    return " ".join(_ALLOWED.sub(" ", folded).split())


def _bsb(raw: str, what: str) -> str:
    digits = raw.replace("-", "").strip()
    if not re.fullmatch(r"\d{6}", digits):
        raise LedgerError.single("bsb_malformed", f"{what}: BSB {raw!r} is not 6 digits")
    return f"{digits[:3]}-{digits[3:]}"


def _account(raw: str, what: str) -> str:
    digits = raw.replace("-", "").replace(" ", "")
    if not re.fullmatch(r"\d{1,9}", digits):
        raise LedgerError.single("account_number_malformed",
                                 f"{what}: account number {raw!r} must be 1 to 9 digits for a "
                                 "direct entry file")
    return digits.rjust(9)


def _text(raw: str, width: int) -> str:
    return clean(raw)[:width].ljust(width)


def _check_remitter(r: Remitter) -> list[Problem]:
    problems = []
    if not re.fullmatch(r"[A-Z]{3}", r.bank or ""):
        problems.append(Problem("aba_bank", f"The bank abbreviation {r.bank!r} must be 3 "
                                            "capital letters (e.g. CBA, WBC, NAB, ANZ)"))
    if not re.fullmatch(r"\d{1,6}", r.apca_id or ""):
        problems.append(Problem("aba_apca_id", f"The APCA user id {r.apca_id!r} must be up to 6 "
                                               "digits"))
    for name, value in (("user name", r.user_name), ("remitter name", r.remitter_name),
                        ("description", r.description)):
        if not clean(value):
            problems.append(Problem("aba_blank", f"The file's {name} must not be blank"))
    return problems


def detail(bsb: str, account: str, code: str, cents: int, title: str, reference: str,
           remitter: Remitter, what: str) -> str:
    if not 0 < cents <= MAX_FIELD_CENTS:
        raise LedgerError.single("aba_amount", f"{what}: {cents} cents cannot be paid in a "
                                               "direct entry record")
    if not clean(title):
        raise LedgerError.single("aba_blank", f"{what}: the account title is blank")
    record = ("1" + _bsb(bsb, what) + _account(account, what) + " " + code
              + str(cents).rjust(10, "0") + _text(title, 32) + _text(reference, 18)
              + _bsb(remitter.bsb, "The remitter") + _account(remitter.account_number, "The remitter")
              + _text(remitter.remitter_name, 16) + "0" * 8)
    assert len(record) == RECORD, len(record)
    return record


def aba_file(remitter: Remitter, credits: Sequence[Credit], process_on: date, *,
             self_balance: bool = True, balance_reference: str = "") -> bytes:
    """The whole file, or LedgerError naming every field that cannot be written."""
    problems = _check_remitter(remitter)
    if not credits:
        problems.append(Problem("aba_empty", "A direct entry file needs at least one payment"))
    if problems:
        raise LedgerError(problems)
    header = ("0" + " " * 17 + "01" + remitter.bank + " " * 7 + _text(remitter.user_name, 26)
              + remitter.apca_id.rjust(6, "0") + _text(remitter.description, 12)
              + process_on.strftime("%d%m%y") + " " * 40)
    records = [header]
    for c in credits:
        records.append(detail(c.bsb, c.account_number, CREDIT, c.cents, c.title, c.reference,
                              remitter, c.label or c.title))
    credit_total = sum(c.cents for c in credits)
    debit_total = 0
    if self_balance:
        records.append(detail(remitter.bsb, remitter.account_number, DEBIT, credit_total,
                              remitter.user_name, balance_reference or remitter.description,
                              remitter, "The balancing debit"))
        debit_total = credit_total
    if credit_total > MAX_FIELD_CENTS:
        raise LedgerError.single("aba_amount", "The file's total is more than a direct entry file "
                                               "can carry; split the run")
    count = len(records) - 1
    records.append("7" + "999-999" + " " * 12 + str(abs(credit_total - debit_total)).rjust(10, "0")
                   + str(credit_total).rjust(10, "0") + str(debit_total).rjust(10, "0")
                   + " " * 24 + str(count).rjust(6, "0") + " " * 40)
    assert all(len(r) == RECORD for r in records)
    return "".join(r + "\r\n" for r in records).encode("ascii")
