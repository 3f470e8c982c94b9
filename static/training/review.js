// Review page: keyboard moves and decisions, the edit drawer, bulk confirmation, and never losing an edit.
(function () {
  "use strict";
  var current = 0;          // index of the highlighted row in #results
  var keepPosition = false; // after a decision the row stays where it is; after a new page we start at the top

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#results tr.pair")); }
  function drawer() { return document.getElementById("drawer"); }
  function editForm() { return document.querySelector("form[data-edit-form]"); }
  var submitting = false;   // a plain (no htmx) save is leaving the page on purpose
  function typing(el) { return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)); }

  function highlight(index, scroll) {
    var all = rows();
    if (!all.length) { current = 0; return; }
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("current", i === current); });
    if (scroll) all[current].scrollIntoView({ block: "nearest" });
  }
  function currentRow() { return rows()[current]; }

  // --- The editor in the drawer: dirty state, drafts kept in localStorage until the server has them ---
  function draftKey(form) { return "review-draft-" + form.closest("[data-pk]").dataset.pk; }
  function isDirty() {
    var form = editForm();
    if (!form) return false;
    return Array.prototype.some.call(form.querySelectorAll("textarea"), function (t) { return t.value !== t.defaultValue; });
  }
  function closeDrawer() {
    if (isDirty() && !window.confirm("You have unsaved changes to this pair. Close without saving? (A draft stays in this browser.)")) return false;
    drawer().innerHTML = "";
    var row = currentRow();
    if (row) row.focus && document.activeElement && document.activeElement.blur();
    return true;
  }
  function offerDraft() {
    var form = editForm();
    if (!form) return;
    var raw = localStorage.getItem(draftKey(form));
    if (!raw) return;
    var draft = JSON.parse(raw), areas = form.querySelectorAll("textarea");
    if (draft.client_text === areas[0].value && draft.reply_text === areas[1].value) return;
    var note = form.querySelector("[data-draft-note]"), button = document.createElement("button");
    button.type = "button";
    button.textContent = "Restore unsaved draft";
    button.addEventListener("click", function () {
      areas[0].value = draft.client_text;
      areas[1].value = draft.reply_text;
      note.textContent = "Draft restored: not saved yet.";
    });
    note.textContent = "This browser holds an unsaved draft of this pair. ";
    note.appendChild(button);
  }
  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form[data-edit-form]");
    if (!form) return;
    var areas = form.querySelectorAll("textarea");
    localStorage.setItem(draftKey(form), JSON.stringify({ client_text: areas[0].value, reply_text: areas[1].value }));
  });
  document.addEventListener("submit", function (event) {
    if (event.target.matches("form[data-edit-form]") && !event.target.hasAttribute("hx-post")) submitting = true;
  });
  window.addEventListener("beforeunload", function (event) {
    if (isDirty() && !submitting) { event.preventDefault(); event.returnValue = ""; }
  });

  // --- htmx events ---
  document.addEventListener("htmx:beforeRequest", function (event) {
    // Loading another pair into the drawer must not drop an edit in progress.
    if (event.detail.target === drawer() && !event.detail.elt.closest("#drawer") && isDirty()) {
      if (!window.confirm("You have unsaved changes to the open pair. Discard them?")) event.preventDefault();
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt.closest && event.detail.elt.closest("form[data-edit-form]");
    if (form && event.detail.successful && event.detail.xhr.status === 200) {
      localStorage.removeItem("review-draft-" + form.closest("[data-pk]").dataset.pk);
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target === drawer()) {
      offerDraft();
      var area = drawer().querySelector("textarea");
      if (area && drawer().dataset.focusEditor === "1") { area.focus(); drawer().dataset.focusEditor = ""; }
    } else if (target.id === "confirm-body") {
      var dialog = document.getElementById("confirm");
      if (!dialog.open) dialog.showModal();
    } else if (target.id === "results") {
      updateSelection();
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target.id === "results" && !keepPosition) current = 0;
    keepPosition = false;
    highlight(current, false);
  });
  function showError(text) {
    var banner = document.createElement("div");
    banner.className = "error-banner";
    banner.setAttribute("role", "alert");
    banner.textContent = text;
    document.body.appendChild(banner);
    setTimeout(function () { banner.remove(); }, 6000);
  }
  document.addEventListener("htmx:responseError", function (event) {
    showError("Not done: the server answered " + event.detail.xhr.status + ". Reload the page and try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    showError("Not done: the server could not be reached. Your change was not saved.");
  });

  // --- Clicks: drawer close, dialog cancel, help, bulk selection ---
  document.addEventListener("click", function (event) {
    var el = event.target;
    if (el.closest("[data-close]") && el.closest("#drawer")) { event.preventDefault(); closeDrawer(); }
    if (el.closest("[data-cancel]") && el.closest("#confirm")) { event.preventDefault(); document.getElementById("confirm").close(); }
    if (el.closest("[data-help-toggle]")) { toggleHelp(); }
    if (el.closest("[data-open]")) {
      var row = el.closest("tr.pair");
      if (row) highlight(rows().indexOf(row), false);
    }
  });
  function toggleHelp() { var help = document.getElementById("help"); help.hidden = !help.hidden; }

  function updateSelection() {
    var boxes = document.querySelectorAll("#results input[name=ids]");
    var picked = document.querySelectorAll("#results input[name=ids]:checked").length;
    var all = document.querySelector("[data-select-all]");
    var label = document.querySelector("[data-selected-count]");
    if (label) label.textContent = all && all.checked ? "All pairs matching the filter" : picked ? picked + " selected" : "";
    var page = document.querySelector("[data-select-page]");
    if (page) page.checked = boxes.length > 0 && picked === boxes.length;
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches("[data-select-page]")) {
      document.querySelectorAll("#results input[name=ids]").forEach(function (box) { box.checked = el.checked; });
    }
    if (el.matches("[data-select-page], [data-select-all], input[name=ids]")) updateSelection();
  });

  // --- Keyboard ---
  document.addEventListener("keydown", function (event) {
    var help = document.getElementById("help");
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.closest && event.target.closest("form[data-edit-form]")) {
      event.preventDefault();
      var form = event.target.closest("form");
      form.requestSubmit(form.querySelector("button[name=save]"));
      return;
    }
    if (event.key === "Escape") {
      if (help && !help.hidden) { help.hidden = true; return; }
      if (typing(event.target)) { event.target.blur(); if (!event.target.closest("#drawer")) return; }
      if (drawer() && drawer().innerHTML.trim()) { closeDrawer(); }
      return;
    }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.getElementById("confirm") && document.getElementById("confirm").open) return;
    // Rows on screen while new results load are about to be replaced: acting on them would act on the wrong row.
    if (document.getElementById("results").classList.contains("htmx-request")) return;
    var row = currentRow(), button;
    switch (event.key) {
      case "j": highlight(current + 1, true); break;
      case "k": highlight(current - 1, true); break;
      case "a": case "r": case "u":
        button = row && row.querySelector("[data-action=" + { a: "approve", r: "reject", u: "reset" }[event.key] + "]");
        if (!button) return;
        keepPosition = true;
        button.click();
        if (event.key !== "u") current = Math.min(current + 1, rows().length - 1);
        break;
      case "e": case "Enter":
        if (!row) return;
        drawer().dataset.focusEditor = "1";
        row.querySelector("[data-open]").click();
        break;
      case "x":
        if (!row) return;
        button = row.querySelector("input[name=ids]");
        button.checked = !button.checked;
        updateSelection();
        break;
      case "/": event.preventDefault(); document.getElementById("id_q").focus(); break;
      case "?": toggleHelp(); break;
      case "n": button = document.querySelector("[data-page=next]"); if (button) button.click(); break;
      case "p": button = document.querySelector("[data-page=prev]"); if (button) button.click(); break;
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    highlight(0, false);
    offerDraft();
  });
})();
