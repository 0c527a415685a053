// 统计仪表盘: draws one ECharts chart per breakdown from the JSON in #dashboard-data; clicking a bar or a
// slice opens the drill-down by child org (the same link as the figure in the table beside it).
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) return;
  var charts = JSON.parse(source.textContent);
  var instances = [];
  charts.forEach(function (c) {
    var el = document.querySelector('[data-chart="' + c.id + '"]');
    if (!el) return;
    var chart = window.echarts.init(el, null, {renderer: "svg"});
    var option;
    if (c.pie) {
      option = {
        tooltip: {trigger: "item", formatter: "{b}：{c}（{d}%）"},
        series: [{type: "pie", radius: ["35%", "65%"], label: {formatter: "{b}\n{c}"},
          data: c.labels.map(function (label, i) { return {name: label, value: c.values[i]}; })}]
      };
    } else {
      option = {
        tooltip: {trigger: "axis"},
        grid: {left: 8, right: 16, top: 8, bottom: 8, containLabel: true},
        xAxis: {type: "value", minInterval: 1, splitNumber: 3, axisLabel: {hideOverlap: true}},
        yAxis: {type: "category", inverse: true, data: c.labels, axisLabel: {width: 110, overflow: "truncate"}},
        series: [{type: "bar", data: c.values, label: {show: true, position: "right"}}]
      };
    }
    chart.setOption(option);
    chart.on("click", function (params) {
      var link = c.links[params.dataIndex];
      if (link) window.location.href = link;
    });
    instances.push(chart);
  });
  window.addEventListener("resize", function () { instances.forEach(function (ch) { ch.resize(); }); });
})();
