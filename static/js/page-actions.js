// Buttons that act on the page itself, without inline script (the CSP allows none):
// data-print prints the page (its print styles leave out the header and the buttons).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) {
      window.print();
    }
  });
})();
