/* Keep the response-tracking numbers current: poll the JSON view and update each row in place. */
(function () {
  "use strict";
  var box = document.getElementById("rates");
  if (!box) return;
  var url = box.dataset.liveUrl;
  var EVERY = 15000;

  function fill(kind, rows) {
    var table = box.querySelector('table[data-kind="' + kind + '"]');
    if (!table) return;
    rows.forEach(function (r) {
      var row = table.querySelector('tr[data-key="' + r.key + '"]');
      if (!row) return;
      function set(field, text) { var cell = row.querySelector('[data-field="' + field + '"]'); if (cell) cell.textContent = text; }
      set("invited", r.invited); set("opened", r.opened); set("drafts", r.drafts); set("submitted", r.submitted);
      set("rate", r.rate === null ? "—" : r.rate + "%");
      set("open", r.open_submitted + (r.open_drafts ? " (+" + r.open_drafts + ")" : ""));
      set("imported", r.imported);
      var bar = row.querySelector('[data-field="bar"]');
      if (bar) bar.style.width = (r.rate || 0) + "%";
    });
  }

  function poll() {
    if (document.visibilityState !== "visible") return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        fill("groups", data.groups.concat([data.total]));
        fill("questionnaires", data.questionnaires);
        var at = document.getElementById("rates-at");
        if (at) at.textContent = data.at;
      })
      .catch(function () { /* try again at the next tick */ });
  }
  setInterval(poll, EVERY);
})();
