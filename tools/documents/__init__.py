"""Document extraction: e-invoices (UBL, CII/Factur-X), text PDFs, scans (OCR) and, when configured, an LLM.

Each backend identifies what it can read and extracts an `Extraction` (tools.documents.model).
Importing this package must stay cheap (< 1 s) and must never touch the network.
"""
