// Backoffice assistant: the answer streamed as it is written. Without this script the form posts
// to /chat and the page comes back with the answer; with it the question goes to /chat/stream
// and the server-sent events are shown as they arrive. Every piece of text from the server (an
// answer, a tool's arguments, a quoted clause) is written with textContent: shown, never run.
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function argumentsText(args) {
    if (typeof args === "string") return args;
    try { return JSON.stringify(args); } catch (e) { return String(args); }
  }

  function sourceHref(citation) {
    var params = new URLSearchParams();
    params.set("document", citation.document_id || citation.document || "");
    if (citation.clause) params.set("clause", citation.clause);
    return "/chat/source?" + params.toString();
  }

  // One turn, built as the page draws it (chat.html).
  function newTurn(log, question) {
    var turn = el("article", "chat-turn");
    var q = el("p", "chat-q");
    q.appendChild(el("span", "visually-hidden", "Question: "));
    q.appendChild(document.createTextNode(question));
    var tools = el("ul", "tools");
    tools.setAttribute("aria-label", "Looked up");
    tools.hidden = true;
    var answer = el("div", "chat-a");
    answer.setAttribute("aria-busy", "true");
    var warnings = el("ul", "chat-warnings");
    warnings.hidden = true;
    var cites = el("ul", "cites");
    cites.setAttribute("aria-label", "Sources");
    cites.hidden = true;
    turn.appendChild(q);
    turn.appendChild(tools);
    turn.appendChild(answer);
    turn.appendChild(warnings);
    turn.appendChild(cites);
    var empty = log.querySelector("[data-empty]");
    if (empty) empty.remove();
    log.appendChild(turn);
    return { root: turn, tools: tools, answer: answer, warnings: warnings, cites: cites,
             calls: [] };
  }

  function addToolCall(turn, event) {
    var li = el("li");
    li.appendChild(el("span", "tool-name", event.name));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("code", "", argumentsText(event.arguments)));
    turn.tools.appendChild(li);
    turn.tools.hidden = false;
    turn.calls.push({ name: event.name, item: li, done: false });
  }

  function markToolResult(turn, event) {
    for (var i = 0; i < turn.calls.length; i++) {
      var call = turn.calls[i];
      if (call.name === event.name && !call.done) {
        call.done = true;
        if (event.ok === false) {
          call.item.appendChild(document.createTextNode(" "));
          call.item.appendChild(el("span", "badge hard", "refused"));
        }
        return;
      }
    }
  }

  function finish(turn, result) {
    turn.answer.textContent = result.answer || "";
    turn.answer.removeAttribute("aria-busy");
    (result.warnings || []).forEach(function (w) {
      turn.warnings.appendChild(el("li", "", w));
      turn.warnings.hidden = false;
    });
    (result.citations || []).forEach(function (c) {
      var li = el("li");
      var a = el("a", "", (c.document || c.document_id || "Source") +
                          (c.clause ? ", clause " + c.clause : ""));
      a.href = sourceHref(c);
      li.appendChild(a);
      if (c.text) {
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("q", "", c.text));
      }
      turn.cites.appendChild(li);
      turn.cites.hidden = false;
    });
    if (result.path === "offline") {
      turn.root.appendChild(el("p", "hint", "Answered by the offline assistant."));
    }
  }

  // "event: x\ndata: {...}\n\n" frames → the parsed data objects.
  function frames(buffer) {
    var out = [];
    var at;
    while ((at = buffer.text.indexOf("\n\n")) !== -1) {
      var frame = buffer.text.slice(0, at);
      buffer.text = buffer.text.slice(at + 2);
      var data = frame.split("\n").filter(function (line) {
        return line.indexOf("data:") === 0;
      }).map(function (line) { return line.slice(5).replace(/^ /, ""); }).join("\n");
      if (!data) continue;
      try { out.push(JSON.parse(data)); } catch (e) { /* a frame that is not ours: skip it */ }
    }
    return out;
  }

  async function refusal(response) {
    var type = response.headers.get("content-type") || "";
    if (type.indexOf("application/json") !== -1) {
      try {
        var body = await response.json();
        if (body && body.error && body.error.message) return body.error.message;
      } catch (e) { /* fall through */ }
    }
    if (response.status === 403) {
      return "The page is out of date or your session changed: reload the page and ask again.";
    }
    if (response.redirected || type.indexOf("text/html") !== -1) {
      return "Your session has ended: reload the page to sign in again.";
    }
    return "The assistant could not answer (" + response.status + "). Try again.";
  }

  function setup(form) {
    var log = document.querySelector("[data-chat-log]");
    var status = document.querySelector("[data-chat-status]");
    var threadInput = form.querySelector("[data-thread]");
    var textarea = form.querySelector("textarea[name=question]");
    var button = form.querySelector("button[type=submit]");
    var main = document.querySelector("main[data-csrf]");
    var csrf = main ? main.getAttribute("data-csrf") : "";
    var busy = false;

    function say(text) { status.textContent = text; }

    textarea.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      }
    });

    form.addEventListener("submit", async function (ev) {
      var question = textarea.value.trim();
      if (!question || busy) { if (busy) ev.preventDefault(); return; }
      ev.preventDefault();
      busy = true;
      button.disabled = true;
      say("Asking…");
      var turn = newTurn(log, question);
      var draft = "";
      var finished = false;
      try {
        var response = await fetch("/chat/stream", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf,
                     "Accept": "text/event-stream" },
          body: JSON.stringify({ question: question, thread_id: threadInput.value || null })
        });
        var type = response.headers.get("content-type") || "";
        if (!response.ok || type.indexOf("text/event-stream") === -1 || !response.body) {
          var why = await refusal(response);
          turn.root.remove();
          say("");
          showError(why);
          return;
        }
        textarea.value = "";
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = { text: "" };
        for (;;) {
          var chunk = await reader.read();
          if (chunk.done) break;
          buffer.text += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
          frames(buffer).forEach(function (event) {
            switch (event.event) {
              case "thread":
                threadInput.value = event.thread_id;
                var fresh = form.querySelector("[data-new-thread]");
                if (fresh) fresh.hidden = false;
                if (window.history && window.history.replaceState) {
                  window.history.replaceState(null, "", "/chat?thread=" +
                                              encodeURIComponent(event.thread_id));
                }
                break;
              case "tool_call":
                addToolCall(turn, event);
                say("Looking up: " + event.name + "…");
                break;
              case "tool_result":
                markToolResult(turn, event);
                break;
              case "token":
                draft += event.text || "";
                turn.answer.textContent = draft;
                say("Writing…");
                break;
              case "retract":
                draft = "";
                turn.answer.textContent = "";
                say("Checking the figures again…");
                break;
              case "answer":
                draft = event.text || "";
                turn.answer.textContent = draft;
                break;
              case "done":
                finished = true;
                finish(turn, event.result || {});
                say("Answered.");
                break;
              case "error":
                finished = true;
                turn.answer.removeAttribute("aria-busy");
                showError(event.message || "The assistant failed to answer.");
                say("");
                break;
            }
          });
        }
        if (!finished) {
          turn.answer.removeAttribute("aria-busy");
          showError("The answer was cut off. Reload the page to see what was kept.");
          say("");
        }
      } catch (e) {
        turn.answer.removeAttribute("aria-busy");
        showError("The assistant could not be reached. Check the connection and try again.");
        say("");
      } finally {
        busy = false;
        button.disabled = false;
        textarea.focus();
      }
    });

    function showError(message) {
      var old = document.querySelector("[data-chat-error]");
      if (old) old.remove();
      var p = el("p", "flash error", message);
      p.setAttribute("role", "alert");
      p.setAttribute("data-chat-error", "");
      form.parentNode.insertBefore(p, form);
      form.addEventListener("submit", function () { p.remove(); }, { once: true });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-chat]");
    if (!form || !window.fetch || !window.TextDecoder || !window.ReadableStream) return;
    setup(form);
  });
})();
