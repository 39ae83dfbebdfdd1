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
})();
