// Small page behaviours wired by data attributes, so no page needs an inline handler (the CSP forbids them):
//   <form data-confirm="Sure?">          asks before submitting;
//   <button data-copy-from="field-id">   copies that field's value to the clipboard;
//   <a data-history-back href="...">     goes back a page when there is one, else follows its href.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var copy = target && target.closest("[data-copy-from]");
    if (copy) {
      var field = document.getElementById(copy.dataset.copyFrom);
      if (field && navigator.clipboard) {
        navigator.clipboard.writeText(field.value);
      } else if (field) {
        field.select();
      }
      return;
    }
    var back = target && target.closest("a[data-history-back]");
    if (back && window.history.length > 1 && document.referrer) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
