/* Library filters: apply on change (the form and its button work without this file). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosubmit]");
  if (!form) { return; }
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target && (target.type === "checkbox" || target.tagName === "SELECT")) {
      form.submit();
    }
  });
})();
