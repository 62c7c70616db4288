// On a phone the matrix picture is too small to read: open its table (which comes first) instead.
(function () {
  "use strict";
  if (!window.matchMedia("(max-width: 767.98px)").matches) { return; }
  document.querySelectorAll("details[data-open-narrow]").forEach(function (details) {
    details.open = true;
  });
})();
