// Draws every <canvas data-chart="ID"> from the Chart.js configuration that the page put in
// <script type="application/json" id="ID"> (Django's json_script). No inline script: the
// content security policy allows scripts from this site only.
(function () {
  "use strict";
  function draw() {
    if (typeof window.Chart === "undefined") { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source || canvas.dataset.drawn) { return; }
      var config = JSON.parse(source.textContent);
      if (!config.data || !config.data.labels || config.data.labels.length === 0) {
        canvas.closest(".chart-box").classList.add("d-none");
        return;
      }
      new window.Chart(canvas, config);
      canvas.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
