"""Intake: every channel a supplier's email arrives by (SMTP, Maildir, IMAP, file import), the
defensive MIME parser, and the content-addressed store of every message's bytes."""
