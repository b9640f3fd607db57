// The statistics page's charts, each drawn from the table beside it: its row headers are the
// labels, its column headers marked data-series the series, its cells' data-value the
// numbers. Progressive enhancement only: without this file (or Chart.js) the tables say it all.
(() => {
  "use strict";

  // Told apart by lightness as well as hue, so the series stay distinct in grey print.
  const PALETTE = ["#1f5fa8", "#e07b00", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#5d4037"];

  function seriesOf(table) {
    const headings = Array.from(table.tHead.rows[0].cells);
    const rows = Array.from(table.tBodies[0].rows);
    const labels = rows.map((row) => row.cells[0].textContent.trim());
    const datasets = [];
    headings.forEach((heading, column) => {
      if (column === 0 || !heading.hasAttribute("data-series")) {
        return;
      }
      const colour = PALETTE[datasets.length % PALETTE.length];
      datasets.push({
        label: heading.textContent.trim(),
        data: rows.map((row) => {
          const cell = row.cells[column];
          return cell && cell.dataset.value !== undefined ? Number(cell.dataset.value) : null;
        }),
        backgroundColor: colour,
        borderColor: colour,
      });
    });
    return { labels, datasets };
  }

  function draw(table) {
    const figure = table.closest(".statistics-figure");
    const holder = document.createElement("div");
    holder.className = "chart";
    // The table beside it reads out every figure; the picture would only repeat it.
    holder.setAttribute("aria-hidden", "true");
    const canvas = document.createElement("canvas");
    holder.append(canvas);
    figure.prepend(holder);
    const horizontal = table.dataset.axis === "y";
    const data = seriesOf(table);
    return new window.Chart(canvas, {
      type: table.dataset.chart === "line" ? "line" : "bar",
      data,
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        locale: document.documentElement.lang,
        indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { display: data.datasets.length > 1 } },
        scales: {
          [horizontal ? "x" : "y"]: { beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (typeof window.Chart === "undefined") {
      return;
    }
    const charts = Array.from(document.querySelectorAll("table[data-chart]")).map(draw);
    // A chart is sized for the screen; printing lays the page out anew.
    const resize = () => charts.forEach((chart) => chart.resize());
    window.addEventListener("beforeprint", resize);
    window.addEventListener("afterprint", resize);
  });
})();
