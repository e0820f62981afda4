// On a phone, a table's rows read as cards: each cell says which column it is (portal.css shows
// the label before the value below 576 px). The labels come from the table's own header row.
(function () {
  "use strict";
  function label(table) {
    var headers = table.querySelectorAll("thead th");
    if (!headers.length) {
      return;
    }
    table.classList.add("table-cards");
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        var header = headers[index];
        if (header && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", header.textContent.trim());
        }
      });
    });
  }
  function all(root) {
    root.querySelectorAll("main table.table:not(.table-keep)").forEach(label);
  }
  document.addEventListener("DOMContentLoaded", function () { all(document); });
  document.addEventListener("htmx:afterSwap", function () { all(document); });
})();
