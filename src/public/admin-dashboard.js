// The admin dashboard's live part: draws the four charts with Chart.js (served by the app itself)
// and refreshes every figure from the JSON feed every 5 seconds, without a reload. The page shows
// every figure as HTML already; this only keeps it current and adds the charts.
const REFRESH_MS = 5000;
const root = document.getElementById('dashboard');
const COLORS = { pending: '#d49a1a', open: '#1a56db', closed: '#6b7280', high: '#b3261e', medium: '#8a5a00', low: '#2e6b30', agent: '#1a56db' };
// The order and words of src/views/adminapp.tsx (METRIC_LABELS).
const METRICS = [
  ['resolution', 'Resolution'],
  ['first_response', 'First response'],
  ['next_reply', 'Next reply'],
];
const PRIORITIES = [
  ['high', 'High'],
  ['medium', 'Medium'],
  ['low', 'Low'],
];

/** Same wording as resolutionText in src/views/adminapp.tsx: `45 s`, `1 min 30 s`, `2 h 5 min`, `3 d 4 h`. */
function span(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  const two = (big, bigUnit, small, smallUnit) => (small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`);
  if (s < 60) return `${s} s`;
  if (s < 3600) return two(Math.floor(s / 60), 'min', s % 60, 's');
  if (s < 48 * 3600) return two(Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'min');
  return two(Math.floor(s / 86400), 'd', Math.floor((s % 86400) / 3600), 'h');
}

const PRESENCE = { available: 'Available', away: 'Away', offline: 'Offline' };

function percent(share) {
  return share === null ? '—' : `${(share * 100).toFixed(1)} %`;
}

/** Same wording as src/views/adminapp.tsx (percentText, shareText, resolutionText). */
function format(path, value) {
  if (path === 'sla.breach_rate' || path.endsWith('.met_share')) return percent(value);
  if (path.startsWith('resolution.') || path.startsWith('first_response.')) return span(value);
  return String(value);
}

function valueAt(stats, path) {
  return path.split('.').reduce((v, key) => (v === null || v === undefined ? v : v[key]), stats);
}

function updateFigures(stats) {
  for (const el of root.querySelectorAll('[data-kpi]')) {
    const value = valueAt(stats, el.dataset.kpi);
    if (value !== undefined) el.textContent = format(el.dataset.kpi, value);
  }
  const tbody = document.getElementById('agent-rows');
  if (!tbody) return;
  const rows = stats.agents.map((a) => {
    const tr = document.createElement('tr');
    tr.dataset.agent = a.username;
    const link = document.createElement('a');
    link.href = `/admin/tickets/?agent=${encodeURIComponent(a.username)}`;
    link.textContent = a.username;
    const badge = document.createElement('span');
    badge.className = `badge presence-${a.presence}`;
    badge.textContent = PRESENCE[a.presence] ?? a.presence;
    const cells = [link, badge, String(a.open), String(a.closed), span(a.avg_resolution_seconds), String(a.breached)];
    for (const content of cells) {
      const td = document.createElement('td');
      if (typeof content === 'string') td.textContent = content;
      else td.append(content);
      tr.append(td);
    }
    return tr;
  });
  tbody.replaceChildren(...rows);
}

function chartData(stats) {
  return {
    states: { labels: ['Waiting', 'Assigned', 'Closed'], data: [stats.pending, stats.open, stats.closed] },
    closed: { labels: stats.agents.map((a) => a.username), data: stats.agents.map((a) => a.closed) },
    breaches: { labels: ['High', 'Medium', 'Low'], data: [stats.sla.by_priority.high, stats.sla.by_priority.medium, stats.sla.by_priority.low] },
    // Share met per target, in percent, one bar per priority (none where nothing is decided).
    targets: {
      labels: METRICS.map(([, label]) => label),
      datasets: PRIORITIES.map(([p]) => METRICS.map(([m]) => {
        const share = stats.sla.targets[m].by_priority[p].met_share;
        return share === null ? null : Math.round(share * 1000) / 10;
      })),
    },
  };
}

let charts = null;

function createCharts(Chart, stats) {
  const data = chartData(stats);
  const integerAxis = { y: { beginAtZero: true, ticks: { precision: 0 } } };
  return {
    states: new Chart(document.getElementById('chart-states'), {
      type: 'pie',
      data: { labels: data.states.labels, datasets: [{ data: data.states.data, backgroundColor: [COLORS.pending, COLORS.open, COLORS.closed] }] },
      options: { maintainAspectRatio: false },
    }),
    closed: new Chart(document.getElementById('chart-closed'), {
      type: 'bar',
      data: { labels: data.closed.labels, datasets: [{ label: 'Closed', data: data.closed.data, backgroundColor: COLORS.agent }] },
      options: { maintainAspectRatio: false, scales: integerAxis, plugins: { legend: { display: false } } },
    }),
    breaches: new Chart(document.getElementById('chart-breaches'), {
      type: 'bar',
      data: { labels: data.breaches.labels, datasets: [{ label: 'Breaches', data: data.breaches.data, backgroundColor: [COLORS.high, COLORS.medium, COLORS.low] }] },
      options: { maintainAspectRatio: false, scales: integerAxis, plugins: { legend: { display: false } } },
    }),
    targets: new Chart(document.getElementById('chart-targets'), {
      type: 'bar',
      data: {
        labels: data.targets.labels,
        datasets: PRIORITIES.map(([p, label], i) => ({ label, data: data.targets.datasets[i], backgroundColor: COLORS[p] })),
      },
      options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true, max: 100, ticks: { callback: (v) => `${v} %` } } } },
    }),
  };
}

function updateCharts(stats) {
  if (!charts) return;
  const data = chartData(stats);
  for (const [name, chart] of Object.entries(charts)) {
    chart.data.labels = data[name].labels;
    if (data[name].datasets) data[name].datasets.forEach((values, i) => (chart.data.datasets[i].data = values));
    else chart.data.datasets[0].data = data[name].data;
    chart.update('none');
  }
}

async function fetchStats() {
  // Marked as background traffic: an open dashboard must not keep an absent admin's session alive.
  const response = await fetch(root.dataset.feed, { headers: { accept: 'application/json', 'x-helpdesk-refresh': '1' }, credentials: 'same-origin', cache: 'no-store' });
  // Logged out meanwhile: the feed redirects to the login page; stop quietly.
  if (!response.ok || response.redirected) return null;
  return response.json();
}

async function refresh() {
  try {
    const stats = await fetchStats();
    if (!stats) return;
    updateFigures(stats);
    updateCharts(stats);
  } catch (error) {
    // Offline for a moment: the next tick tries again.
    console.debug('dashboard refresh failed', error);
  }
}

async function start() {
  if (!root) return;
  try {
    // The UMD build sets globalThis.Chart when loaded as a module (no CDN: /static/vendor/chart/).
    await import('/static/vendor/chart/chart.umd.min.js');
    const stats = await fetchStats();
    if (stats && globalThis.Chart) {
      charts = createCharts(globalThis.Chart, stats);
      updateFigures(stats);
      root.dataset.charts = 'ready';
    }
  } catch (error) {
    console.error('could not draw the dashboard charts', error);
  }
  // The next refresh is scheduled when this one ends, so a slow answer never stacks requests.
  const tick = async () => {
    await refresh();
    setTimeout(tick, REFRESH_MS);
  };
  setTimeout(tick, REFRESH_MS);
}

start();
