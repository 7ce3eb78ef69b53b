/* Bonta's only script (CSP: script-src 'self'; no inline code anywhere).
 * 1. Idle log-off: the server ends the session after <meta name="bonta-idle-seconds"> without a
 *    request; this sends the page to the sign-in screen at the same moment, so no clinical data
 *    stays on an unattended screen. Every page load and htmx request restarts the clock.
 * 2. Injection map: an SVG point (click, Enter or Space) presses its button in the point list,
 *    so the map and the list are one control.
 * 3. Sign-off: enabled only when every clinical block has a coded reason and a note (hard
 *    stops have no override field and keep the button disabled server-side); disabled once
 *    pressed, so a double click sends one request.
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

  function pressPoint(target) {
    var point = target.closest("[data-toggle]");
    if (!point) return false;
    var button = document.getElementById("toggle-" + point.getAttribute("data-toggle"));
    if (button && !button.disabled) button.click();
    return true;
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest && pressPoint(event.target)) event.preventDefault();
  });
  document.addEventListener("keydown", function (event) {
    if ((event.key === "Enter" || event.key === " ") && event.target.closest &&
        event.target.closest("svg [data-toggle]")) {
      event.preventDefault();
      pressPoint(event.target);
    }
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

  // ---- Sign-off (safety engine v2): a clinical block needs a reason code and a note -------
  function overrideComplete(box) {
    var reason = box.querySelector("[data-override-reason]");
    var note = box.querySelector("[data-override-note]");
    return !!(reason && note && reason.value.trim() !== "" && note.value.trim() !== "");
  }
  function updateSign() {
    var button = document.getElementById("sign-button");
    if (!button || button.hasAttribute("data-plan-empty") || button.dataset.sent) return;
    if (document.querySelector("[data-hard-stop]")) { button.disabled = true; return; }
    var boxes = document.querySelectorAll("[data-override]");
    button.disabled = !Array.prototype.every.call(boxes, overrideComplete);
  }
  document.addEventListener("input", updateSign);
  document.addEventListener("change", updateSign);
  document.addEventListener("htmx:afterSettle", updateSign);
  document.addEventListener("DOMContentLoaded", updateSign);
  document.addEventListener("submit", function (event) {
    if (!event.target.matches("[data-sign-form], [data-countersign-form]")) return;
    var button = event.target.querySelector("button[type=submit]");
    if (button) {
      if (button.dataset.sent) { event.preventDefault(); return; }
      button.dataset.sent = "1";
      window.setTimeout(function () { button.disabled = true; }, 0);
    }
  });
  // ---- end of sign-off ---------------------------------------------------------------------
})();
