// The IRO form shows the fields of the chosen kind only: sign, status and human rights for an impact; financial
// effects, the impacts it arises from and dependencies for a risk or an opportunity. Hidden fields are disabled
// so that they are not sent (the server ignores them anyway).
(function () {
  "use strict";
  var impact = document.getElementById("iro-impact-fields");
  var financial = document.getElementById("iro-financial-fields");
  var radios = document.querySelectorAll("input[name=kind]");
  if (!impact || !financial || !radios.length) { return; }
  function show(block, visible) {
    block.hidden = !visible;
    block.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !visible; });
  }
  function update() {
    var checked = document.querySelector("input[name=kind]:checked");
    var kind = checked ? checked.value : "";
    show(impact, kind === "impact");
    show(financial, kind === "risk" || kind === "opportunity");
  }
  radios.forEach(function (radio) { radio.addEventListener("change", update); });
  update();
})();
