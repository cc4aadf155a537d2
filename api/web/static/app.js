// Backoffice workplace: keyboard shortcuts. Every action also works as a plain form without this.
// Queue: j / k move, Enter or o opens. Detail: a approve, e edit, r reject (focus the comment),
// u back to the queue. Keys are ignored while typing in a field.
(function () {
  "use strict";
  function typing(ev) {
    var t = ev.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }
  function queue(table) {
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-href]"));
    if (!rows.length) return;
    var at = 0;
    function select(i) {
      rows[at].classList.remove("selected");
      at = Math.max(0, Math.min(rows.length - 1, i));
      rows[at].classList.add("selected");
      rows[at].focus();
    }
    rows.forEach(function (row, i) {
      row.tabIndex = 0;
      row.addEventListener("click", function (ev) {
        if (ev.target.tagName !== "A") window.location = row.dataset.href;
      });
      row.addEventListener("focus", function () { if (at !== i) { rows[at].classList.remove("selected"); at = i; row.classList.add("selected"); } });
    });
    rows[0].classList.add("selected");
    document.addEventListener("keydown", function (ev) {
      if (typing(ev) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.key === "j") { select(at + 1); ev.preventDefault(); }
      else if (ev.key === "k") { select(at - 1); ev.preventDefault(); }
      else if (ev.key === "Enter" || ev.key === "o") { window.location = rows[at].dataset.href; ev.preventDefault(); }
    });
  }
  function detail(root) {
    document.addEventListener("keydown", function (ev) {
      if (typing(ev) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      var target = null;
      if (ev.key === "a") target = root.querySelector("[data-shortcut=approve]");
      else if (ev.key === "e") target = root.querySelector("[data-shortcut=edit]");
      else if (ev.key === "r") target = root.querySelector("[data-shortcut=reject]");
      else if (ev.key === "u") { window.location = "/approvals"; return; }
      if (!target) return;
      ev.preventDefault();
      target.focus();
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var table = document.querySelector("table[data-queue]");
    if (table) queue(table);
    var root = document.querySelector("[data-approval]");
    if (root) detail(root);
  });
})();
