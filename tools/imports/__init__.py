"""Books moving in from another system: Xero and MYOB AccountRight CSV/TXT exports read into
immutable Decimal values (`model`), and a plan of what an import would change (`plan`). Pure:
no database, no files; the caller passes bytes and a snapshot of the books."""
