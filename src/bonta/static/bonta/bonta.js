/* Bonta's only script (CSP: script-src 'self'; no inline code anywhere).
 * 1. Idle log-off: the server ends the session after <meta name="bonta-idle-seconds"> without a
 *    request; this sends the page to the sign-in screen at the same moment, so no clinical data
 *    stays on an unattended screen. Every page load and htmx request restarts the clock.
 * 2. Injection map: one view at a time (tabs); a point not yet planned is added by a tap,
 *    Enter or Space (pressing its button in the point list, so map and list are one control);
 *    a planned point is selected for the units editor beside the map.
 * 3. Sign-off: enabled only when every blocking finding has a written override reason;
 *    disabled once pressed, so a double click sends one request.
 * 4. A planned point's vial list: the stock the page was loaded with is offered on focus.
 */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="bonta-idle-seconds"]');
  var idleMs = meta ? parseInt(meta.content, 10) * 1000 : 0;
  var timer = null;
  function restartIdle() {
    if (!idleMs) return;
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var next = encodeURIComponent(window.location.pathname);
      window.location.assign("/login/?idle=1&next=" + next);
    }, idleMs + 1000);
  }
  restartIdle();
  document.addEventListener("htmx:afterRequest", restartIdle);

  // ---- Injection map (issue 14) -------------------------------------------------------------
  // One view at a time: tabs switch views without a request and the choice rides in the form's
  // `map_view` field. A tap (click, pen, Enter or Space) on a point not yet planned adds it,
  // by pressing that point's button in the keyboard list, and selects it once the plan is
  // re-rendered; a tap on a planned point selects it. The selected point's units are edited in
  // the editor beside the map, which writes through to the point's row in the list.
  document.documentElement.classList.add("js");
  var selected = null;
  var focusEditor = false;
  var refocus = null;  // the editor control that had focus when the plan was re-rendered

  function rowFor(code) {
    var input = document.querySelector('#plan-results input[name="point"][value="' + code + '"]');
    return input ? input.closest("tr") : null;
  }
  function editor() { return document.querySelector("[data-map-editor]"); }

  function showView(key, focusTab) {
    var map = document.querySelector("[data-map]");
    if (!map) return;
    var field = map.querySelector("[data-map-view]");
    if (field) field.value = key;
    Array.prototype.forEach.call(map.querySelectorAll("[data-map-tab]"), function (tab) {
      var on = tab.getAttribute("data-map-tab") === key;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      if (on && focusTab) tab.focus();
    });
    Array.prototype.forEach.call(map.querySelectorAll("[data-map-panel]"), function (panel) {
      panel.classList.toggle("shown", panel.getAttribute("data-map-panel") === key);
    });
  }

  function closeEditor() {
    selected = null;
    var box = editor();
    if (box) box.hidden = true;
    Array.prototype.forEach.call(document.querySelectorAll(".pt.selected, .points tr.selected"),
      function (el) { el.classList.remove("selected"); });
  }

  function selectPoint(code, withFocus) {
    var row = rowFor(code);
    var box = editor();
    var point = document.getElementById("pt-" + code);
    if (!row || !box || !point) { closeEditor(); return; }
    Array.prototype.forEach.call(document.querySelectorAll(".pt.selected, .points tr.selected"),
      function (el) { el.classList.remove("selected"); });
    selected = code;
    point.classList.add("selected");
    row.classList.add("selected");
    var panel = point.closest("[data-map-panel]");
    if (panel && !panel.classList.contains("shown")) showView(panel.getAttribute("data-map-panel"));
    box.querySelector("[data-map-editor-label]").textContent = point.getAttribute("data-label");
    var units = box.querySelector("[data-map-editor-units]");
    units.value = row.querySelector('input[name="units"]').value;
    box.hidden = false;
    if (withFocus) units.focus();
  }

  function commitUnits(value) {
    var row = selected && rowFor(selected);
    if (!row) return;
    var active = document.activeElement;
    if (active && active.closest && active.closest("[data-map-editor]")) {
      refocus = active.hasAttribute("data-step")
        ? '[data-map-editor] [data-step="' + active.getAttribute("data-step") + '"]'
        : "[data-map-editor-units]";
    }
    var input = row.querySelector('input[name="units"]');
    if (input.value === value) return;
    input.value = value;
    input.dispatchEvent(new Event("change", { bubbles: true }));  // the form's live check
  }

  function activatePoint(point, byKeyboard) {
    var code = point.getAttribute("data-toggle");
    if (point.getAttribute("data-planned") === "1") { selectPoint(code, byKeyboard); return; }
    var button = document.getElementById("toggle-" + code);
    if (button && !button.disabled) {
      selected = code;  // select it once the re-rendered plan has its row
      focusEditor = byKeyboard;
      button.click();
    }
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    var tab = event.target.closest("[data-map-tab]");
    if (tab) { event.preventDefault(); showView(tab.getAttribute("data-map-tab")); return; }
    var point = event.target.closest("svg [data-toggle]");
    if (point) { event.preventDefault(); activatePoint(point, false); return; }
    var step = event.target.closest("[data-map-editor] [data-step]");
    if (step) {
      var units = editor().querySelector("[data-map-editor-units]");
      var now = parseFloat(units.value.replace(",", "."));
      var next = Math.max(0, (isNaN(now) ? 0 : now) + parseFloat(step.getAttribute("data-step")));
      units.value = String(Math.round(next * 100) / 100);
      commitUnits(units.value);
      return;
    }
    if (event.target.closest("[data-map-editor-remove]")) {
      var row = selected && rowFor(selected);
      var remove = row && row.querySelector('button[name="remove"]');
      closeEditor();
      if (remove) remove.click();
      return;
    }
    if (event.target.closest("[data-map-editor-close]")) {
      var was = selected;
      closeEditor();
      var again = was && document.getElementById("pt-" + was);
      if (again) again.focus();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (!event.target.closest) return;
    if ((event.key === "Enter" || event.key === " ") && event.target.closest("svg [data-toggle]")) {
      event.preventDefault();
      activatePoint(event.target.closest("svg [data-toggle]"), true);
      return;
    }
    var tab = event.target.closest("[data-map-tab]");
    if (tab && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      var tabs = Array.prototype.slice.call(document.querySelectorAll("[data-map-tab]"));
      var i = tabs.indexOf(tab) + (event.key === "ArrowRight" ? 1 : -1);
      var next = tabs[(i + tabs.length) % tabs.length];
      event.preventDefault();
      showView(next.getAttribute("data-map-tab"), true);
      return;
    }
    if (event.target.matches && event.target.matches("[data-map-editor-units]")) {
      if (event.key === "Enter") { event.preventDefault(); commitUnits(event.target.value); }
      if (event.key === "Escape") { event.preventDefault(); closeEditor(); }
    }
  });
  // The editor's own input never submits the form: its value goes to the point's row, whose
  // change starts the live check (capture phase, before the form's listener).
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-map-editor-units]")) {
      event.stopPropagation();
      commitUnits(event.target.value);
    }
  }, true);
  document.addEventListener("htmx:afterSettle", function () {
    if (!selected) { refocus = null; return; }
    var hadFocus = focusEditor;
    focusEditor = false;
    selectPoint(selected, hadFocus);
    if (refocus && selected) {
      var target = document.querySelector(refocus);
      if (target) target.focus();
    }
    refocus = null;
  });

  // A point's vial choice: the live check re-renders the points with only the vials the plan
  // uses; the rest of the stock comes from the <template> the page was loaded with.
  function offerStock(select) {
    var stock = document.getElementById("row-vial-options");
    if (!stock || select.dataset.stocked) return;
    var have = {};
    Array.prototype.forEach.call(select.options, function (o) { have[o.value] = true; });
    Array.prototype.forEach.call(stock.content.querySelectorAll("option"), function (o) {
      if (!have[o.value]) select.appendChild(o.cloneNode(true));
    });
    select.dataset.stocked = "1";
  }
  ["focusin", "mousedown"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      if (event.target.matches && event.target.matches("select.row-vial")) offerStock(event.target);
    });
  });

  // Choosing a template does nothing until "Apply template" is pressed.
  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("[data-no-recheck]")) event.stopPropagation();
  }, true);

  function updateSign() {
    var button = document.getElementById("sign-button");
    if (!button || button.hasAttribute("data-plan-empty") || button.dataset.sent) return;
    var reasons = document.querySelectorAll("[data-override]");
    var ready = Array.prototype.every.call(reasons, function (t) { return t.value.trim() !== ""; });
    button.disabled = !ready;
  }
  document.addEventListener("input", updateSign);
  document.addEventListener("htmx:afterSettle", updateSign);
  document.addEventListener("DOMContentLoaded", updateSign);
  document.addEventListener("submit", function (event) {
    if (!event.target.matches("[data-sign-form]")) return;
    var button = document.getElementById("sign-button");
    if (button) {
      if (button.dataset.sent) { event.preventDefault(); return; }
      button.dataset.sent = "1";
      window.setTimeout(function () { button.disabled = true; }, 0);
    }
  });
})();
