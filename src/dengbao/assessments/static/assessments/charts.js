// Bar chart of the category (安全类) scores, drawn with the vendored ECharts.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("chart-categories");
    if (!el || !window.echarts) return;
    var data = JSON.parse(el.dataset.chart || "{}");
    if (!data.labels) return;
    // every category gets its row: a wrapped English name takes up to three lines
    el.style.height = Math.max(260, data.labels.length * 44 + 40) + "px";
    var chart = window.echarts.init(el);
    chart.setOption({
      grid: { left: 10, right: 36, top: 10, bottom: 30, containLabel: true },  // room for the labels
      xAxis: { type: "value", min: 0, max: 100 },
      // English names are long: wrap them at ~16 characters rather than cut them off
      yAxis: { type: "category", data: data.labels, inverse: true,
               axisLabel: { width: 130, overflow: "break", lineHeight: 13, interval: 0 } },
      series: [{ type: "bar", data: data.values, label: { show: true, position: "right", formatter: "{c}" },
                 itemStyle: { color: "#0b5cad" } }],
      tooltip: { renderMode: "richText" },  // in the canvas: HTML tooltips carry style= (CSP)
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
