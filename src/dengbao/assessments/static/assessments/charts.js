// Bar chart of the category (安全类) scores, drawn with the vendored ECharts.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("chart-categories");
    if (!el || !window.echarts) return;
    var data = JSON.parse(el.dataset.chart || "{}");
    if (!data.labels) return;
    var chart = window.echarts.init(el);
    chart.setOption({
      grid: { left: 110, right: 30, top: 10, bottom: 30 },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", data: data.labels, inverse: true },
      series: [{ type: "bar", data: data.values, label: { show: true, position: "right", formatter: "{c}" },
                 itemStyle: { color: "#0b5cad" } }],
      tooltip: { renderMode: "richText" },  // in the canvas: HTML tooltips carry style= (CSP)
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
