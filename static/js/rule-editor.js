// The rule editor: the fact of a condition is chosen by its Chinese label in a searchable list
// (the admin's own select2); after htmx swaps the fields in, the new selects are enhanced too.
(function () {
  "use strict";
  function enhance(root) {
    if (!window.django || !django.jQuery || !django.jQuery.fn.select2) {
      return;
    }
    django.jQuery(root).find("select.fact-select").each(function () {
      var select = django.jQuery(this);
      if (select.data("select2")) {
        return;
      }
      select.select2({ width: "12em", language: "zh-CN" });
      // htmx listens for the browser's own change event, which select2 does not send.
      select.on("select2:select", function () {
        this.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
