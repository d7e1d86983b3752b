// The engagement's phase Gantt chart: planned and actual bars per phase, deadlines as lines.
(function () {
  "use strict";
  var DAY = 86400000;
  function ms(iso) { return Date.parse(iso + "T00:00:00"); }
  function draw() {
    var el = document.getElementById("gantt");
    if (!el || !window.echarts) return;
    var data = JSON.parse(el.dataset.chart || "{}");
    if (!data.phases || !data.phases.length) return;
    var names = data.phases.map(function (p) { return p.name; });
    var bars = [];
    data.phases.forEach(function (p, i) {
      bars.push({ value: [i, ms(p.planned[0]), ms(p.planned[1]) + DAY, 0], name: p.name });
      if (p.actual) bars.push({ value: [i, ms(p.actual[0]), ms(p.actual[1]) + DAY, 1], name: p.name });
    });
    var colours = ["#9cc3ea", "#1a7f37"];
    function renderItem(params, api) {
      var start = api.coord([api.value(1), api.value(0)]);
      var end = api.coord([api.value(2), api.value(0)]);
      var band = api.size([0, 1])[1] * 0.35;
      var actual = api.value(3) === 1;
      return {
        type: "rect",
        shape: { x: start[0], y: start[1] - band + (actual ? band : 0), width: Math.max(end[0] - start[0], 2), height: band },
        style: api.style({ fill: colours[actual ? 1 : 0] }),
      };
    }
    var chart = window.echarts.init(el);
    chart.setOption({
      grid: { left: 110, right: 30, top: 56, bottom: 40 },  // the deadlines' names sit above the plot
      legend: { data: [el.dataset.planned, el.dataset.actual], top: 0 },
      tooltip: {
        renderMode: "richText",  // in the canvas: HTML tooltips carry style= attributes (CSP)
        formatter: function (p) {
          var d = p.value;
          var fmt = function (t) { return new Date(t).toISOString().slice(0, 10); };
          return p.name + "\n" + fmt(d[1]) + " ～ " + fmt(d[2] - DAY);
        },
      },
      xAxis: { type: "time" },
      yAxis: { type: "category", data: names, inverse: true },
      series: [
        { name: el.dataset.planned, type: "custom", renderItem: renderItem, encode: { x: [1, 2], y: 0 },
          itemStyle: { color: colours[0] },
          data: bars.filter(function (b) { return b.value[3] === 0; }),
          markLine: { symbol: "none", label: { formatter: "{b}", position: "start", distance: 6 }, lineStyle: { color: "#c62828", type: "dashed" },
            data: (data.deadlines || []).map(function (d) { return { name: d.name, xAxis: ms(d.date) + DAY }; }) } },
        { name: el.dataset.actual, type: "custom", renderItem: renderItem, encode: { x: [1, 2], y: 0 },
          itemStyle: { color: colours[1] },
          data: bars.filter(function (b) { return b.value[3] === 1; }) },
      ],
    });
    el.dataset.drawn = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
