// The CRM screen's ticks (issue 15, item 5). The session keeps the ticked customers across pages and
// filters; without this script the "Spara markeringar" button saves the page's boxes. With it, each change
// of a box is posted at once (the whole form, so the server sees which boxes the page shows and which are
// ticked) and the ticks line is put back from the answer; "Markera alla på sidan" ticks or unticks the
// page's boxes. Requests go one at a time, the last state of the page winning.
(function () {
  "use strict";
  var form = document.getElementById("segment");
  var box = document.getElementById("ticks");
  if (!form || !box) return;
  var all = document.getElementById("tick-page");
  var busy = false, again = false;

  function boxes() { return form.querySelectorAll('input[type="checkbox"][name="ids"]'); }

  // The header box says whether all, some or none of the page are ticked.
  function sync() {
    if (!all) return;
    var list = boxes(), on = 0;
    list.forEach(function (b) { if (b.checked) on++; });
    all.checked = list.length > 0 && on === list.length;
    all.indeterminate = on > 0 && on < list.length;
  }

  function showAnswer(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("ticks");
    if (!fresh) return;
    box.innerHTML = fresh.innerHTML;
    hideSave();
    // The server refused ticks (too many): the page's boxes follow what it kept, unless the user has
    // changed them since (the next post carries that).
    if (fresh.querySelector("#ticks-full") && !again) {
      var kept = (fresh.dataset.pageTicked || "").split(",");
      boxes().forEach(function (b) { b.checked = kept.indexOf(b.value) >= 0; });
    }
    sync();
  }

  function post() {
    if (busy) { again = true; return; }
    busy = true;
    var body = new URLSearchParams(new FormData(form));
    fetch("/crm/ticks", { method: "POST", body: body, credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(showAnswer)
      .catch(function () { showSave(); })
      .then(function () {
        busy = false;
        if (again) { again = false; post(); }
      });
  }

  function hideSave() { var b = document.getElementById("save-ticks"); if (b) b.hidden = true; }
  function showSave() { var b = document.getElementById("save-ticks"); if (b) b.hidden = false; }

  form.addEventListener("change", function (e) {
    var t = e.target;
    if (t === all) {
      boxes().forEach(function (b) { b.checked = all.checked; });
    } else if (!(t instanceof HTMLInputElement) || t.name !== "ids") {
      return;
    }
    sync();
    post();
  });

  if (all) all.classList.remove("js-only");
  hideSave();
  sync();
})();
