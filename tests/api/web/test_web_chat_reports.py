"""The workplace's assistant and month-end pages, through the app (TestClient) on the demo company:
the same chat service and report service as the API, a form that works without JavaScript, a
stream for the script that needs its CSRF header, an answer shown as text however it is written,
and pages that keep to the Content-Security-Policy (no inline script, no inline style)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agent.chat.build import build_chat_service
from agent.chat.llm_tools import ChatTurn, ToolCallRequest
from api.web.render import money
from memory.db import read_only
from services.reports import monthly_report
from tests.api.conftest import Api, MakeApi

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_THREAD = re.compile(r'name="thread_id" value="([^"]*)"')
MARKUP_ANSWER = ('<script>alert("pwned")</script> <b>Casuals</b> get the Sunday penalty rate: '
                 "see the General Retail Industry Award.")
PIECES = ('<script>alert("pwned")</script> ', "<b>Casuals</b> get the Sunday ",
          "penalty rate: see the General Retail Industry Award.")


def _csrf(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "the page has no CSRF token"
    return found.group(1)


Browser = tuple[TestClient, str]      # a signed-in client and its session's CSRF token


def _browser(api: Api, who: str) -> Browser:
    client = TestClient(api.app, raise_server_exceptions=False)
    form = client.get("/login")
    r = client.post("/login", data={"api_key": api.keys[who], "csrf_token": _csrf(form.text)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return client, _csrf(client.get("/").text)


@pytest.fixture(scope="module")
def web(make_api: MakeApi) -> Api:
    return make_api()


@pytest.fixture(scope="module")
def browsers(web: Api) -> Iterator[Callable[[str], Browser]]:
    made: dict[str, Browser] = {}

    def get(who: str) -> Browser:
        if who not in made:
            made[who] = _browser(web, who)
        return made[who]

    yield get
    for client, _ in made.values():
        client.close()


class StreamingModel:
    """A tool-calling model that searches the policies, then streams `pieces` as its answer."""

    model = "fake-stream"

    def __init__(self, pieces: Sequence[str]) -> None:
        self.pieces = pieces

    def chat(self, messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]], *,
             on_text: Callable[[str], None] | None = None) -> ChatTurn:
        if messages[-1].get("role") != "tool":
            return ChatTurn(content="", model=self.model, tool_calls=(ToolCallRequest(
                "call_1", "search_policies", json.dumps({"query": "casual Sunday rate retail"})),))
        for piece in self.pieces:
            if on_text is not None:
                on_text(piece)
        return ChatTurn(content="".join(self.pieces), model=self.model)


@pytest.fixture
def model_answers(web: Api) -> Iterator[None]:
    """The app's chat service with StreamingModel in place of the offline router, for one test."""
    before = getattr(web.app.state, "chat_service", None)
    web.app.state.chat_service = build_chat_service(web.settings, web.runtime.sessions,
                                                    web.runtime.clock,
                                                    model=StreamingModel(PIECES))
    yield
    web.app.state.chat_service = before


def _events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line[len("data: "):]) for line in text.splitlines()
            if line.startswith("data: ")]


def _keeps_to_the_csp(page: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "an inline <script>"
    assert not re.search(r"<style\b", page, re.IGNORECASE), "an inline <style>"
    assert not re.search(r"<[^>]*\sstyle\s*=", page, re.IGNORECASE), "a style= attribute"
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", page, re.IGNORECASE), "an inline event handler"


# -- the assistant, without JavaScript --------------------------------------------------------

def test_the_form_answers_with_its_tool_calls_and_citations(browsers: Any) -> None:
    client, csrf = browsers("clerk")
    r = client.post("/chat", data={"csrf_token": csrf, "thread_id": "",
                                   "question": "What do we pay a casual retail worker on a Sunday?"})
    assert r.status_code == 200, r.text
    assert "175%" in r.text
    assert '<span class="tool-name">search_policies</span>' in r.text
    assert "What do we pay a casual retail worker on a Sunday?" in html.unescape(r.text)
    link = "/chat/source?document=award-retail-ma000004&amp;clause=22"
    assert link in r.text
    thread = _THREAD.search(r.text).group(1)
    assert thread.startswith("chat-")
    _keeps_to_the_csp(r.text)
    assert '<script src="/static/chat.js" defer></script>' in r.text

    # the citation opens the clause itself, from the knowledge base
    source = client.get(html.unescape(link))
    assert source.status_code == 200
    assert "General Retail Industry Award" in source.text and "Penalty rates" in source.text
    assert "175% for casuals" in source.text
    _keeps_to_the_csp(source.text)

    # the thread goes on, and reads back as a page
    r = client.post("/chat", data={"csrf_token": csrf, "thread_id": thread,
                                   "question": "And what about overtime?"})
    assert r.status_code == 200 and r.text.count('class="chat-turn"') == 2
    again = client.get(f"/chat?thread={thread}")
    assert again.status_code == 200 and again.text.count('class="chat-turn"') == 2
    assert _THREAD.search(again.text).group(1) == thread


def test_the_form_needs_its_csrf_token_and_a_question(browsers: Any) -> None:
    client, csrf = browsers("approver")
    r = client.post("/chat", data={"question": "What is waiting for approval?"})
    assert r.status_code == 403 and "Form refused" in r.text
    r = client.post("/chat", data={"csrf_token": csrf, "question": "   "})
    assert r.status_code == 422 and "Ask a question" in r.text


def test_someone_elses_thread_is_not_found(browsers: Any) -> None:
    owner, csrf = browsers("owner")
    r = owner.post("/chat", data={"csrf_token": csrf, "question": "What do we owe our suppliers?"})
    thread = _THREAD.search(r.text).group(1)
    clerk, clerk_csrf = browsers("clerk")
    assert clerk.get(f"/chat?thread={thread}").status_code == 404
    taken = clerk.post("/chat", data={"csrf_token": clerk_csrf, "thread_id": thread,
                                      "question": "And cash?"})
    assert taken.status_code == 404 and "no such conversation" in taken.text
    auditor, _ = browsers("auditor")        # an auditor reads it, and would start their own
    read = auditor.get(f"/chat?thread={thread}")
    assert read.status_code == 200 and "someone else" in read.text
    assert _THREAD.search(read.text).group(1) == ""


def test_a_clause_for_managers_is_not_shown_to_a_clerk(browsers: Any) -> None:
    clerk, _ = browsers("clerk")
    assert clerk.get("/chat/source?document=approver-guide&clause=1").status_code == 404
    approver, _ = browsers("approver")
    assert approver.get("/chat/source?document=approver-guide").status_code == 200


@pytest.mark.usefixtures("model_answers")
def test_an_answer_with_markup_is_shown_as_text(browsers: Any) -> None:
    client, csrf = browsers("owner")
    r = client.post("/chat", data={"csrf_token": csrf, "question": "Sunday rate for a casual?"})
    assert r.status_code == 200, r.text
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in r.text
    assert "&lt;b&gt;Casuals&lt;/b&gt;" in r.text
    assert "<script>alert" not in r.text and "<b>Casuals" not in r.text
    _keeps_to_the_csp(r.text)


# -- the assistant, streamed for the script ---------------------------------------------------

@pytest.mark.usefixtures("model_answers")
def test_the_stream_sends_tokens_then_the_answer(browsers: Any) -> None:
    client, csrf = browsers("owner")
    with client.stream("POST", "/chat/stream", headers={"X-CSRF-Token": csrf},
                       json={"question": "Sunday rate for a casual?", "thread_id": None}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = _events("".join(r.iter_text()))
    names = [e["event"] for e in events]
    assert names[0] == "thread" and names[-1] == "done"
    assert names.index("tool_call") < names.index("tool_result") < names.index("token")
    assert names.index("token") < names.index("answer") < names.index("done")
    tokens = [e["text"] for e in events if e["event"] == "token"]
    assert tokens == list(PIECES)
    call = next(e for e in events if e["event"] == "tool_call")
    assert call["name"] == "search_policies" and call["arguments"]
    done = events[-1]["result"]
    assert done["answer"] == MARKUP_ANSWER == "".join(tokens)
    assert done["thread_id"] == events[0]["thread_id"] and done["path"] == "llm"
    assert done["citations"] and all({"document", "clause", "text"} <= set(c)
                                     for c in done["citations"])


def test_the_stream_needs_the_csrf_header_and_a_good_body(browsers: Any) -> None:
    client, csrf = browsers("owner")
    r = client.post("/chat/stream", json={"question": "What is waiting for approval?"})
    assert r.status_code == 403
    r = client.post("/chat/stream", headers={"X-CSRF-Token": "not-the-token"},
                    json={"question": "What is waiting for approval?"})
    assert r.status_code == 403
    for body in ({"question": ""}, {"question": "x" * 4001}, {"question": "hi", "approve": True}):
        r = client.post("/chat/stream", headers={"X-CSRF-Token": csrf}, json=body)
        assert r.status_code == 422 and r.json()["error"]["code"], body
    r = client.post("/chat/stream", headers={"X-CSRF-Token": csrf},
                    json={"question": "hi", "thread_id": "chat-" + "0" * 32})
    assert r.status_code == 404 and r.json()["error"]["code"] == "thread_not_found"


def test_the_offline_stream_ends_with_the_answer(browsers: Any) -> None:
    client, csrf = browsers("owner")
    with client.stream("POST", "/chat/stream", headers={"X-CSRF-Token": csrf},
                       json={"question": "What is waiting for approval?"}) as r:
        assert r.status_code == 200
        events = _events("".join(r.iter_text()))
    assert [e["event"] for e in events][-2:] == ["answer", "done"]
    assert "awaiting approval" in events[-1]["result"]["answer"]


# -- month end --------------------------------------------------------------------------------

def _service_report(api: Api, month: str | None) -> Any:
    with read_only(api.runtime.sessions) as session:
        return monthly_report(session, month, api.settings, clock=api.clock)


def test_the_report_shows_the_months_net_profit(web: Api, browsers: Any) -> None:
    client, _ = browsers("owner")
    r = client.get("/reports")
    assert r.status_code == 200, r.text
    june = _service_report(web, None)
    assert june.month.key == "2026-06"
    net = june.profit_and_loss.metrics["net_profit"]["current"]
    assert f'data-figure="net_profit">{money(net)}<' in r.text
    assert '<option value="2026-06" selected>' in r.text
    for words in ("Commentary", "Material changes", "Bank reconciliation", "13-week cash forecast",
                  "Business Cheque Account"):
        assert words in r.text
    assert r.text.count("<svg") == 2 and r.text.count("Week</th>") == 1
    assert len(re.findall(r'<tr(?: class="low")?><th scope="row">\d+: ', r.text)) == 13
    assert 'href="/reports/2026-06.pdf"' in r.text and 'href="/reports/2026-06.json"' in r.text
    _keeps_to_the_csp(r.text)
    assert "style-src 'self'" in r.headers["content-security-policy"]

    may = client.get("/reports?month=2026-05")
    may_net = _service_report(web, "2026-05").profit_and_loss.metrics["net_profit"]["current"]
    assert may.status_code == 200 and f'data-figure="net_profit">{money(may_net)}<' in may.text


def test_the_report_downloads_as_pdf_and_json(web: Api, browsers: Any) -> None:
    client, _ = browsers("auditor")
    pdf = client.get("/reports/2026-06.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]
    mine = client.get("/reports/2026-06.json")
    assert mine.status_code == 200
    api = web.client.get("/v1/reports/monthly", params={"month": "2026-06"},
                         headers=web.auth("auditor")).json()
    body = mine.json()
    for key in ("profit_and_loss", "balance_sheet", "cash_forecast", "variances", "commentary"):
        assert body[key] == api[key], key


def test_a_month_the_books_cannot_report_is_refused_in_words(browsers: Any) -> None:
    client, _ = browsers("owner")
    for month in ("2031-01", "2020-01", "June"):
        r = client.get("/reports", params={"month": month})
        assert r.status_code == 422 and 'class="flash error"' in r.text, month
        assert '<select id="month"' in r.text
    assert client.get("/reports/2031-01.pdf").status_code == 422
    assert client.get("/reports/june.json").status_code == 404


def test_a_clerk_may_not_open_month_end(browsers: Any) -> None:
    client, _ = browsers("clerk")
    for path in ("/reports", "/reports?month=2026-06", "/reports/2026-06.pdf",
                 "/reports/2026-06.json"):
        r = client.get(path)
        assert r.status_code == 403 and "may not read the month-end reports" in r.text, path
    assert 'href="/reports"' not in client.get("/chat").text       # nor is it offered
