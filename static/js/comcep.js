/* Comcep: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  // Confirm destructive actions marked with data-confirm (the server still checks everything).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // A form sent back with errors: move the focus to its error summary (role alert, tabindex -1,
  // templates/includes/form_errors_summary.html), so that keyboard and screen reader users start from
  // the list of errors, each a link to its field (the GOV.UK / DSFR pattern). Without this file the
  // summary is still announced and the links still work.
  var summary = document.getElementById("form-errors-summary");
  if (summary) {
    summary.focus();
  }
})();
