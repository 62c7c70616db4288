// Tick or untick every checkbox inside one block: <button data-check-all="block-id"> / data-check-none="block-id".
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-check-all], [data-check-none]") : null;
    if (!button) {
      return;
    }
    var ticked = button.hasAttribute("data-check-all");
    var block = document.getElementById(ticked ? button.dataset.checkAll : button.dataset.checkNone);
    if (block) {
      block.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = ticked; });
    }
  });
})();
