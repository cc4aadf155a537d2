"""Handing the books back: the ledger as an hledger journal, bills and journals as the CSV files
Xero and MYOB AccountRight import. Pure functions over immutable Decimal values, producing text."""
