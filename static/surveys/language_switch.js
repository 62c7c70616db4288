/* The header's language select switches as soon as a language is chosen (the CSP forbids the inline onchange
 * it used to have); without script its "Switch" button does the same. */
(function () {
  "use strict";
  document.querySelectorAll("form.language-switch select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
