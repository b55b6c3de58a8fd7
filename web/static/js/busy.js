// Busy state for buttons and links that start an export or a job (issue 15, item 9). An element with
// data-busy="Exporterar…" shows that text, aria-busy and aria-disabled once it has started its request,
// and further clicks on it are ignored, so an impatient second click does not start the work twice.
// A download leaves the page where it is, so the element comes back after a few seconds (data-busy-ms,
// default 5000) or when the page is shown again from the back/forward cache. Without this script the
// buttons work as plain buttons.
(function () {
  "use strict";
  var DEFAULT_MS = 5000;

  function isBusy(el) { return el.getAttribute("aria-busy") === "true"; }

  function reset(el) {
    if (!isBusy(el)) return;
    el.textContent = el.dataset.busyLabel;
    delete el.dataset.busyLabel;
    el.removeAttribute("aria-busy");
    el.removeAttribute("aria-disabled");
  }

  function busy(el) {
    el.dataset.busyLabel = el.textContent;
    el.textContent = el.dataset.busy;
    el.setAttribute("aria-busy", "true");
    el.setAttribute("aria-disabled", "true");
    var ms = parseInt(el.dataset.busyMs, 10);
    window.setTimeout(function () { reset(el); }, isNaN(ms) ? DEFAULT_MS : ms);
  }

  // A second click while busy does nothing (the element keeps its focus, which disabled would drop).
  document.addEventListener("click", function (e) {
    var el = e.target instanceof Element ? e.target.closest("[data-busy]") : null;
    if (el && isBusy(el)) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  // A form is submitted by its button: marked after the submission has taken the button's name and value.
  document.addEventListener("submit", function (e) {
    var el = e.submitter;
    if (!el || !el.matches("[data-busy]") || e.defaultPrevented) return;
    window.setTimeout(function () { busy(el); }, 0);
  });

  // A download link.
  document.addEventListener("click", function (e) {
    var el = e.target instanceof Element ? e.target.closest("a[data-busy]") : null;
    if (!el || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    window.setTimeout(function () { busy(el); }, 0);
  });

  window.addEventListener("pageshow", function () {
    document.querySelectorAll("[data-busy][aria-busy='true']").forEach(reset);
  });
})();
