"""Which pages each role sees in the navigation: the same permission matrix as the API
(api.views.PERMISSIONS), so a link is never shown to someone its page would refuse."""

from __future__ import annotations

from api.views import PERMISSIONS

# (path, label, the permission the page needs)
PAGES: tuple[tuple[str, str, str], ...] = (
    ("/inbox", "Inbox", "inbox.read"),
    ("/approvals", "Approvals", "approvals.read"),
    ("/bank", "Bank", "bank.read"),
    ("/chat", "Assistant", "chat.ask"),
    ("/reports", "Month end", "reports.read"),
    ("/payroll", "Payroll", "payroll.check"),
    ("/audit", "Audit log", "ledger.read"),
)


def may(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]


def navigation(role: str) -> list[dict[str, str]]:
    return [{"path": path, "label": label} for path, label, permission in PAGES
            if may(role, permission)]
