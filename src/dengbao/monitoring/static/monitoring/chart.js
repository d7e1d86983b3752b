// A monitor's history from its rollups: average and p95 response time, availability per bucket.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("monitor-chart");
    var source = document.getElementById("monitor-chart-data");
    if (!el || !source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    if (!data.points || !data.points.length) { el.style.display = "none"; return; }
    var labels = JSON.parse(el.dataset.labels || "{}");
    var x = data.points.map(function (p) { return p.t; });
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", renderMode: "richText" },  // in the canvas: HTML tooltips carry style= (CSP)
      legend: { data: [labels.avg, labels.p95, labels.up] },
      grid: { left: 50, right: 50, top: 40, bottom: 30 },
      xAxis: { type: "category", data: x },
      yAxis: [{ type: "value", name: "ms" }, { type: "value", name: "%", min: 0, max: 100 }],
      series: [
        { name: labels.avg, type: "line", showSymbol: false, data: data.points.map(function (p) { return p.avg; }) },
        { name: labels.p95, type: "line", showSymbol: false, data: data.points.map(function (p) { return p.p95; }) },
        { name: labels.up, type: "line", step: "end", yAxisIndex: 1, showSymbol: false, data: data.points.map(function (p) { return p.up; }) },
      ],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
