// The chair's confirmation dialog: the submit button stays disabled until the assessment's name is typed exactly
// (the server checks it again), and the name field takes the focus when the dialog opens.
(function () {
  "use strict";
  var dialog = document.getElementById("confirm-dialog");
  if (!dialog) { return; }
  var input = dialog.querySelector("[data-expected]");
  var submit = document.getElementById("confirm-submit");
  function update() {
    var ok = input.value.trim() === input.getAttribute("data-expected").trim();
    submit.disabled = !ok;
    submit.setAttribute("aria-disabled", ok ? "false" : "true");
  }
  input.addEventListener("input", update);
  dialog.addEventListener("shown.bs.modal", function () { input.focus(); });
  update();
})();
