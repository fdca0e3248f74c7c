// The staffing forecast's chart (/adminapp/forecast/): the predicted share of breaches against the
// number of agents, with the target as a flat line. The page renders every figure as a table; this
// only adds the picture, with the dashboard's Chart.js (served by the app: /static/vendor/chart/).
const holder = document.getElementById('forecast-chart-data');

async function draw() {
  if (!holder) return;
  const data = JSON.parse(holder.dataset.chart || '{}');
  await import('/static/vendor/chart/chart.umd.min.js');
  const Chart = globalThis.Chart;
  const canvas = document.getElementById('chart-forecast');
  if (!Chart || !canvas) return;
  new Chart(canvas, {
    type: 'line',
    data: {
      labels: data.agents,
      datasets: [
        { label: 'Breaches (%)', data: data.breaches, tension: 0.2 },
        { label: 'Target (%)', data: data.agents.map(() => data.target), borderDash: [6, 4], pointRadius: 0 },
      ],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: { x: { title: { display: true, text: 'Agents on duty' } }, y: { beginAtZero: true, title: { display: true, text: 'Breaches (%)' } } },
    },
  });
  canvas.closest('figure')?.setAttribute('data-chart', 'ready');
}

draw().catch((error) => console.error('could not draw the forecast chart', error));
