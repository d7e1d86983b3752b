// Open findings by severity after each import or scan: a stacked line chart (ECharts is vendored).
(function () {
  "use strict";
  var COLOURS = { "严重": "#8b0000", "高": "#c62828", "中": "#ef8f00", "低": "#2e7d32", "信息": "#607d8b" };
  function draw() {
    var el = document.getElementById("trend");
    if (!el || !window.echarts) return;
    var data = JSON.parse(el.dataset.chart || "{}");
    if (!data.dates || !data.dates.length) { el.style.height = "auto"; return; }
    var keys = Object.keys(data.series);
    var labels = data.labels || {};
    var names = keys.map(function (key) { return labels[key] || key; });
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", renderMode: "richText" },  // in the canvas: HTML tooltips carry style= (CSP)
      legend: { data: names, top: 0 },
      grid: { left: 50, right: 20, top: 30, bottom: 40 },
      xAxis: { type: "category", data: data.dates },
      yAxis: { type: "value", minInterval: 1 },
      series: keys.map(function (key, i) {
        return { name: names[i], type: "line", stack: "open", areaStyle: {}, data: data.series[key],
                 itemStyle: { color: COLOURS[key] } };
      }),
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
