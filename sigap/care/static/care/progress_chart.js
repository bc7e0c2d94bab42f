// Sigap care: draws the psychologist indicators (1 = most worrying, 5 = best) over time.
// The data comes from a <script type="application/json"> block (CSP allows no inline scripts).
(function () {
  "use strict";
  var COLOURS = ["#0d6efd", "#dc3545", "#6f42c1", "#fd7e14", "#198754", "#20c997"];
  function draw() {
    if (typeof window.Chart === "undefined") { return; }
    document.querySelectorAll("canvas[data-progress-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) { return; }
      var source = document.getElementById(canvas.dataset.progressChart);
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      canvas.dataset.drawn = "1";
      new window.Chart(canvas, {
        type: "line",
        data: {
          labels: data.labels,
          datasets: data.datasets.map(function (set, i) {
            return {
              label: set.label,
              data: set.data,
              borderColor: COLOURS[i % COLOURS.length],
              backgroundColor: COLOURS[i % COLOURS.length],
              tension: 0.25,
              pointRadius: 3
            };
          })
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          interaction: { mode: "index", intersect: false },
          scales: { y: { min: data.min, max: data.max, ticks: { stepSize: 1 } } },
          plugins: { legend: { position: "bottom" } }
        }
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  window.addEventListener("load", draw);
})();
