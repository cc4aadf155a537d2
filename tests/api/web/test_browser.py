"""The workplace in a real browser (Debian's chromium through Playwright): sign in, approve,
edit, reject, a decision another tab took first, keyboard-only use of the queue, accessibility
(axe-core: no serious or critical violations) and the phone width; screenshots are kept."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.api.conftest import Api, MakeApi, pending
from tests.api.web.browser import CHROMIUM_ARGS, artefacts, chromium_path, serving

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def site(make_api: MakeApi) -> Iterator[tuple[Api, str]]:
    api = make_api()
    with serving(api.app) as base:
        yield api, base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield tab
    context.close()
    # No script error, no CSP violation, no missing asset; a refusal page (403/409/422) is a
    # page the test asked for, not an error
    refusals = tuple(f"the server responded with a status of {s}" for s in (403, 409, 422))
    assert [e for e in errors if not any(r in e for r in refusals)] == [], errors


def _sign_in(tab: Any, base: str, key: str, path: str = "/approvals") -> None:
    tab.goto(base + path)
    assert "/login" in tab.url
    tab.get_by_label("Your API key").fill(key)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"**{path}")


def _postable(api: Api) -> dict[str, Any]:
    for item in pending(api):
        codes = {r["code"] for r in item["reasons"]}
        if item["required_role"] != "approver" or not item["contact_id"] \
                or "duplicate_suspected" in codes:
            continue
        detail = api.client.get(f"/v1/approvals/{item['id']}", headers=api.auth("owner")).json()
        if detail["proposal"]["complete"]:
            return detail
    raise AssertionError("no postable approval left")


def _status(api: Api, approval_id: int) -> dict[str, Any]:
    return api.client.get(f"/v1/approvals/{approval_id}", headers=api.auth("owner")).json()


def _axe(tab: Any, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(tab)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert bad == [], f"{name}: " + "; ".join(f"{v['id']}: {v['help']}" for v in bad)


def test_sign_in_and_approve_with_the_keyboard_only(site: tuple[Api, str], page: Any) -> None:
    api, base = site
    _sign_in(page, base, api.keys["approver"])
    page.screenshot(path=str(artefacts() / "queue-1280.png"), full_page=True)
    _axe(page, "queue")
    target = _postable(api)
    ids = [int(i) for i in page.locator("tr[data-href]").evaluate_all(
        "rows => rows.map(r => r.dataset.href.split('/').pop())")]
    for _ in range(ids.index(target["id"])):
        page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/approvals/{target['id']}")
    page.wait_for_load_state("networkidle")
    assert page.locator("img[alt^='Page 1 of']").evaluate("img => img.naturalWidth") > 0
    page.screenshot(path=str(artefacts() / "approval-1280.png"), full_page=True)
    _axe(page, "approval")
    page.keyboard.press("a")                     # focuses Approve...
    assert page.evaluate("document.activeElement.dataset.shortcut") == "approve"
    page.keyboard.press("Enter")                 # ...and Enter decides
    page.wait_for_url("**/approvals?done=*")
    assert page.get_by_role("status").inner_text() == f"Approval {target['id']} approved."
    done = _status(api, target["id"])
    assert done["status"] == "approved" and done["decision"] == "approve"


def test_edit_an_account_in_the_browser(site: tuple[Api, str], page: Any) -> None:
    api, base = site
    _sign_in(page, base, api.keys["approver"])
    target = _postable(api)
    page.goto(f"{base}/approvals/{target['id']}")
    select = page.get_by_label("Account for line 1")
    current = select.input_value()
    other = next(v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)")
                 if v != current)
    select.select_option(other)
    page.get_by_role("button", name="Save changes and approve").click()
    page.wait_for_url("**/approvals?done=*")
    done = _status(api, target["id"])
    assert done["decision"] == "edit" and done["changes"]["lines"] == [
        {"index": 0, "account_code": other}]


def _waiting_for_approver(api: Api, count: int) -> list[dict[str, Any]]:
    found = [a for a in pending(api) if a["required_role"] == "approver"][:count]
    assert len(found) == count, "the demo has too few approvals waiting"
    return found


def test_reject_with_a_comment_and_a_409_explained(site: tuple[Api, str], page: Any) -> None:
    api, base = site
    _sign_in(page, base, api.keys["approver"])
    first, second = _waiting_for_approver(api, 2)
    page.goto(f"{base}/approvals/{first['id']}")
    page.get_by_label("Why reject it?").fill("Not our order")
    page.get_by_role("button", name="Reject").click()
    page.wait_for_url("**/approvals?done=*")
    assert _status(api, first["id"])["status"] == "rejected"

    page.goto(f"{base}/approvals/{second['id']}")    # open here, then decided in another tab
    r = api.client.post(f"/v1/approvals/{second['id']}/decision",
                        json={"decision": "reject", "proposal_hash": second["proposal_hash"],
                              "comment": "taken elsewhere"},
                        headers=api.auth("owner", **{"Idempotency-Key": "browser-other-tab"}))
    assert r.status_code == 200, r.text
    page.get_by_label("Why reject it?").fill("duplicate")
    page.get_by_role("button", name="Reject").click()
    alert = page.get_by_role("alert")
    assert "Nothing you sent was applied" in alert.inner_text()
    page.screenshot(path=str(artefacts() / "approval-409.png"), full_page=True)
    assert _status(api, second["id"])["comment"] == "taken elsewhere"


def test_the_queue_works_at_phone_width(site: tuple[Api, str], browser: Any) -> None:
    api, base = site
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    tab = context.new_page()
    try:
        _sign_in(tab, base, api.keys["owner"])
        # (a mobile viewport grows to fit what overflows: compare with the phone's own width)
        overflow = tab.evaluate("document.documentElement.scrollWidth") - 390
        assert overflow <= 1, f"the page is {overflow}px wider than the phone"
        tab.locator("tr[data-href] a").first.click()
        tab.wait_for_url("**/approvals/*")
        assert tab.evaluate("document.documentElement.scrollWidth") <= 391
        tab.screenshot(path=str(artefacts() / "approval-390.png"), full_page=True)
    finally:
        context.close()


def test_the_assistant_streams_its_answer_and_opens_the_clause(site: tuple[Api, str],
                                                               page: Any) -> None:
    api, base = site
    _sign_in(page, base, api.keys["clerk"], "/chat")
    page.get_by_label("Your question").fill(
        "Can I approve a $7,500 invoice without a purchase order?")
    with page.expect_response(lambda r: r.url.endswith("/chat/stream"),
                              timeout=120_000) as streamed:
        page.get_by_role("button", name="Ask").click()
    response = streamed.value
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert page.url.endswith("/chat") or "thread=" in page.url     # no full page post
    source = page.locator("ul.cites a").first
    source.wait_for(timeout=120_000)
    answer = page.locator(".chat-a").last.inner_text()
    assert "Purchasing and Approval Policy" in answer and "purchase order" in answer.lower()
    assert "search_policies" in page.locator(".tools").last.inner_text()
    page.screenshot(path=str(artefacts() / "chat-1280.png"), full_page=True)
    _axe(page, "chat")
    source.click()
    page.wait_for_url("**/chat/source?*")
    assert "purchase order" in page.locator("main").inner_text().lower()


def test_the_month_end_report_with_its_charts_and_forecast(site: tuple[Api, str],
                                                           page: Any) -> None:
    api, base = site
    _sign_in(page, base, api.keys["owner"], "/reports")
    report = api.client.get("/v1/reports/monthly", params={"month": "2026-06"},
                            headers=api.auth("owner")).json()
    text = page.locator("main").inner_text()
    net = report["profit_and_loss"]["metrics"]["net_profit"]["current"]
    assert report["month"] == "2026-06" and "June 2026" in text
    assert f"${Decimal(net):,.2f}" in text                       # the service's own figure
    assert page.get_by_role("heading", name="13-week cash forecast").is_visible()
    assert page.locator("svg").count() >= 2
    page.screenshot(path=str(artefacts() / "report-1280.png"), full_page=True)
    _axe(page, "report")
