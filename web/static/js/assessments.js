/* Charts of an assessment run (Chart.js, vendored). The page embeds its figures as JSON in
   <script type="application/json" id="assessment-data">; nothing is fetched. */
(function () {
  "use strict";
  var source = document.getElementById("assessment-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var text = data.text;
  var COLOURS = { met: "#2e7d32", below: "#c62828", na: "#9e9e9e", info: "#1565c0", previous: "#b0bec5", target: "#6d4c41" };

  function scale(indicator, value) {
    if (value === null || value === undefined) { return null; }
    return indicator.kind === "rate" ? Math.round(value * 1000) / 10 : value;
  }

  function axis(indicator) {
    var ticks = indicator.kind === "rate" ? { callback: function (v) { return v + "%"; } } : {};
    return { beginAtZero: true, ticks: ticks, suggestedMax: indicator.kind === "rate" ? 100 : undefined };
  }

  function quarterly() {
    var choice = document.getElementById("indicator-choice");
    var byKey = {};
    data.indicators.forEach(function (i) { byKey[i.key] = i; });
    var units = new Chart(document.getElementById("units-chart"), { type: "bar", data: { labels: [], datasets: [] },
      options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { position: "bottom" } } } });
    var history = new Chart(document.getElementById("history-chart"), { type: "line", data: { labels: [], datasets: [] },
      options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { position: "bottom" } } } });

    function draw() {
      var indicator = byKey[choice.value];
      var rows = data.units.filter(function (u) { return u.values[indicator.key]; });
      var current = rows.map(function (u) { return scale(indicator, u.values[indicator.key].v); });
      var previous = rows.map(function (u) { return scale(indicator, u.values[indicator.key].p); });
      var colours = rows.map(function (u) { return COLOURS[u.values[indicator.key].s] || COLOURS.info; });
      var sets = [
        { label: text.current, data: current, backgroundColor: colours },
        { label: text.previous, data: previous, backgroundColor: COLOURS.previous }
      ];
      if (indicator.target !== null) {
        sets.push({ type: "line", label: text.target, data: rows.map(function () { return scale(indicator, indicator.target); }),
          borderColor: COLOURS.target, borderDash: [6, 4], pointRadius: 0, fill: false });
      }
      units.data.labels = rows.map(function (u) { return u.name; });
      units.data.datasets = sets;
      units.options.scales = { y: axis(indicator) };
      units.update();

      var points = data.history[indicator.key] || [];
      var line = [{ label: text.street, data: points.map(function (p) { return scale(indicator, p[1]); }),
        borderColor: COLOURS.info, backgroundColor: COLOURS.info, tension: 0.2, spanGaps: true }];
      if (indicator.target !== null) {
        line.push({ label: text.target, data: points.map(function () { return scale(indicator, indicator.target); }),
          borderColor: COLOURS.target, borderDash: [6, 4], pointRadius: 0 });
      }
      history.data.labels = points.map(function (p) { return p[0]; });
      history.data.datasets = line;
      history.options.scales = { y: axis(indicator) };
      history.update();
    }
    choice.addEventListener("change", draw);
    draw();
  }

  function weekly() {
    new Chart(document.getElementById("backlog-chart"), { type: "bar",
      data: { labels: data.units.map(function (u) { return u.name; }), datasets: [
        { label: text.open, data: data.units.map(function (u) { return u.open; }), backgroundColor: COLOURS.info },
        { label: text.overdue, data: data.units.map(function (u) { return u.overdue; }), backgroundColor: COLOURS.below }
      ] },
      options: { responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } } } });
  }

  function monthly() {
    new Chart(document.getElementById("hotspot-chart"), { type: "bar",
      data: { labels: data.hotspots.map(function (h) { return h.name; }), datasets: [
        { label: text.current, data: data.hotspots.map(function (h) { return h.v; }), backgroundColor: COLOURS.below },
        { label: text.previous, data: data.hotspots.map(function (h) { return h.p; }), backgroundColor: COLOURS.previous }
      ] },
      options: { indexAxis: "y", responsive: true, maintainAspectRatio: false,
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { position: "bottom" } } } });
  }

  ({ quarterly: quarterly, weekly: weekly, monthly: monthly })[data.kind]();
})();
