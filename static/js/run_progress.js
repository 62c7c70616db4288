// Poll a score run's status and move the progress bar; reload the page once the run has finished.
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector(".progress-bar");
  var holder = box.querySelector(".progress");
  var stage = box.querySelector("[data-run-stage]");
  var label = box.querySelector("[data-run-label]");
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (run) {
        if (!run) { return setTimeout(poll, 5000); }
        bar.style.width = run.progress + "%";
        bar.textContent = run.progress + "%";
        holder.setAttribute("aria-valuenow", run.progress);
        stage.textContent = run.stage_label;
        label.textContent = run.label;
        if (run.is_finished) {
          window.location.reload();
          return;
        }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 500);
})();
