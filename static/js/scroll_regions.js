// A box that scrolls sideways (a wide table or code block on a phone) must be reachable by keyboard
// (WCAG 2.1.1, axe "scrollable-region-focusable"): while it overflows it becomes a focusable, named region;
// once it fits again it drops out of the tab order. Boxes that already manage this (tabindex set) are left alone.
(function () {
  "use strict";
  var SELECTOR = ".table-responsive, pre";
  var fallback = document.documentElement.dataset.scrollLabel || "Scrollable content";

  function nameOf(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    for (var el = box.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) { return el.textContent.trim(); }
    }
    var heading = box.parentElement && box.parentElement.querySelector("h1, h2, h3, h4, h5, h6");
    return heading ? heading.textContent.trim() : fallback;
  }

  function update() {
    document.querySelectorAll(SELECTOR).forEach(function (box) {
      if (box.hasAttribute("tabindex") && !box.dataset.scrollRegion) { return; }
      var overflows = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (overflows && !box.dataset.scrollRegion) {
        box.dataset.scrollRegion = "1";
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
          box.setAttribute("aria-label", nameOf(box));
        }
      } else if (!overflows && box.dataset.scrollRegion) {
        delete box.dataset.scrollRegion;
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
      }
    });
  }

  update();
  var timer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 150);
  });
})();
