// A form marked data-busy-text disables its button and says so while the server works: without a worker, a score
// run happens inside the request and takes seconds, and a second click would only queue behind it.
(function () {
  "use strict";
  document.querySelectorAll("form[data-busy-text]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (!button) { return; }
      button.disabled = true;
      button.innerHTML = '<span class="spinner-border spinner-border-sm" aria-hidden="true"></span> ';
      button.appendChild(document.createTextNode(form.getAttribute("data-busy-text")));
    });
  });
})();
