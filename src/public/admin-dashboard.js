// The admin dashboard's live part: draws the five charts with Chart.js (served by the app itself)
// and refreshes every figure from the JSON feed every 5 seconds, without a reload. The page shows
// every figure as HTML already; this only keeps it current and adds the charts.
import { format, percent, span } from './dashboard-format.js';

const REFRESH_MS = 5000;
const root = document.getElementById('dashboard');
const COLORS = { pending: '#d49a1a', open: '#1a56db', closed: '#6b7280', high: '#b3261e', medium: '#8a5a00', low: '#2e6b30', agent: '#1a56db', good: '#2e6b30', bad: '#b3261e' };
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

const PRESENCE = { available: 'Available', away: 'Away', offline: 'Offline' };
// The words and icons of src/core/dashboardAttention.ts (ALARM_WORDS) and src/views/dashboardParts.tsx (LEVEL_ICONS).
const LEVEL_WORDS = { alarm: 'Act now', warning: 'Needs attention', calm: 'OK' };
const LEVEL_ICONS = { alarm: '✖', warning: '⚠', calm: '✓' };
// Which alarm level (feed: attention.cards) colours which card (data-card).
const CARD_LEVELS = { pending: 'pending', 'sla.open_overdue': 'open_overdue' };

function valueAt(stats, path) {
  return path.split('.').reduce((v, key) => (v === null || v === undefined ? v : v[key]), stats);
}

/** Writes text only when it differs, so nothing changes (or is announced) when nothing changed. */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** Puts `level-<level>` in place of any other level class. */
function setLevel(el, level) {
  for (const name of [...el.classList]) if (name.startsWith('level-') && name !== `level-${level}`) el.classList.remove(name);
  el.classList.add(`level-${level}`);
}

function element(tag, { text, className, href, attrs } = {}, ...children) {
  const el = document.createElement(tag);
  if (text !== undefined) el.textContent = text;
  if (className) el.className = className;
  if (href) el.href = href;
  for (const [name, value] of Object.entries(attrs ?? {})) el.setAttribute(name, value);
  el.append(...children);
  return el;
}

function priorityBadge(priority) {
  return element('span', { className: `badge priority-${priority}`, text: priority[0].toUpperCase() + priority.slice(1), attrs: { 'data-priority': priority } }, element('span', { className: 'visually-hidden', text: ' priority' }));
}

/** A ticket of the "Needs attention" panel, as TicketItem in src/views/dashboardParts.tsx draws it. */
function ticketItem(ticket, at, show) {
  const detail =
    show === 'holder' && ticket.agent !== null
      ? element('small', { text: 'held by ' }, element('a', { href: `/admin/tickets/?agent=${encodeURIComponent(ticket.agent)}&status=open`, text: ticket.agent }), ` (${ticket.presence})`)
      : element('small', { text: show === 'overdue' && ticket.sla_due_at !== null ? `overdue by ${span((at - ticket.sla_due_at) / 1000)}` : `waiting ${span((at - ticket.created_at) / 1000)}` });
  return element('li', { attrs: { 'data-ticket': String(ticket.id) } }, element('a', { href: `/admin/tickets/${ticket.id}/`, text: ticket.reference }), ' ', element('span', { className: 'ticket-title', text: ticket.title }), ' ', priorityBadge(ticket.priority), ' ', detail);
}

function emailItem(email) {
  return element('li', { attrs: { 'data-email': String(email.id) } }, element('a', { href: `/admin/emails/${email.id}/`, text: `Email #${email.id}` }), ' ', element('small', { text: `${email.kind} to ${email.to_address}: ${email.status}` }));
}

const SECTION_ITEMS = {
  breached_open: (item, at) => ticketItem(item, at, 'overdue'),
  waiting_unattended: (item, at) => ticketItem(item, at, 'waiting'),
  held_by_unavailable: (item, at) => ticketItem(item, at, 'holder'),
  undelivered_emails: (item) => emailItem(item),
};

function updateAttention(attention) {
  if (!attention) return;
  const summary = document.getElementById('dashboard-summary');
  if (summary) {
    setText(summary, attention.summary);
    summary.dataset.level = attention.level;
  }
  for (const card of root.querySelectorAll('[data-card]')) setLevel(card, attention.cards[CARD_LEVELS[card.dataset.card]] ?? 'calm');
  const panel = document.getElementById('attention');
  if (!panel) return;
  panel.dataset.level = attention.level;
  for (const [name, draw] of Object.entries(SECTION_ITEMS)) {
    const section = panel.querySelector(`[data-section="${name}"]`);
    const data = attention.sections[name];
    if (!section || !data) continue;
    setLevel(section, data.level);
    setText(section.querySelector('[data-count]'), String(data.count));
    const badge = section.querySelector('.level-badge');
    if (badge && badge.dataset.level !== data.level) {
      badge.dataset.level = data.level;
      setLevel(badge, data.level);
      badge.replaceChildren(element('span', { text: `${LEVEL_ICONS[data.level]} `, attrs: { 'aria-hidden': 'true' } }), LEVEL_WORDS[data.level]);
    }
    // The items are drawn again only when they changed (their "overdue by" text moves with the clock).
    const list = section.querySelector('[data-items]');
    const items = data.items.map((item) => draw(item, attention.at));
    if (list.innerHTML !== element('ul', {}, ...items).innerHTML) list.replaceChildren(...items);
    list.hidden = items.length === 0;
    section.querySelector('[data-none]').hidden = items.length > 0;
  }
}

/**
 * An agent's tickets (`filter`: more of the query, or ''), of one team on its dashboard (`team`, the
 * feed's; null: every team): agentTicketsHref in src/views/dashboardParts.tsx says the same.
 */
function agentTickets(username, filter, team) {
  const href = `/admin/tickets/?agent=${encodeURIComponent(username)}${filter === '' ? '' : `&${filter}`}`;
  return team === null || team === undefined ? href : `${href}&team=${encodeURIComponent(team)}`;
}

/** An agent's cells, as AgentTable in src/views/dashboardParts.tsx draws them: [column, label, draw(agent, team)]. */
const AGENT_COLUMNS = [
  ['username', 'Agent', (a, team) => element('a', { href: agentTickets(a.username, '', team), text: a.username })],
  ['presence', 'Presence', (a) => element('span', { className: `badge presence-${a.presence}`, text: PRESENCE[a.presence] ?? a.presence })],
  ['open', 'Open', (a, team) => element('a', { href: agentTickets(a.username, 'status=open', team), text: String(a.open) })],
  ['closed', 'Closed', (a, team) => element('a', { href: agentTickets(a.username, 'status=closed', team), text: String(a.closed) })],
  ['avg_resolution_seconds', 'Average resolution', (a) => span(a.avg_resolution_seconds)],
  ['breached', 'Breaches', (a, team) => element('a', { href: agentTickets(a.username, 'breached=yes', team), text: String(a.breached) })],
  // Same words as csatText in src/views/dashboardParts.tsx.
  ['csat', 'Satisfaction', (a) => (a.csat.rated === 0 ? '—' : `${percent(a.csat.score)} of ${a.csat.rated}`)],
];

// The row of the ratings of teams since deleted, keyed by the empty name (no team has it): as DELETED_TEAMS in src/views/adminapp.tsx.
const DELETED_TEAMS = 'Teams since deleted';

/** The rows of Satisfaction per team, as teamCsatRows in src/views/adminapp.tsx: each team, then the teams since deleted. */
function teamCsatRows(stats) {
  return stats.deleted_teams ? [...stats.teams, { name: '', csat: stats.deleted_teams.csat }] : stats.teams;
}

/** Satisfaction per team's cells, as TeamSatisfaction in src/views/adminapp.tsx draws them: [column, label, draw(team)]. */
const TEAM_COLUMNS = [
  ['name', 'Team', (t) => (t.name === '' ? DELETED_TEAMS : t.name)],
  ['rated', 'Rated', (t) => String(t.csat.rated)],
  ['good', 'Good', (t) => String(t.csat.good)],
  ['score', 'Satisfaction', (t) => percent(t.csat.score)],
];

/**
 * Updates the rows of table body `bodyId` in place, one row per item, found by its key (the row's
 * `data-<keyName>`): only a cell whose content changed is touched; rows come and go with their
 * items, in the feed's order. `columns` are [column, label, draw(item, ...extra)].
 */
function updateRows(bodyId, keyName, keyOf, items, columns, ...extra) {
  const tbody = document.getElementById(bodyId);
  if (!tbody) return;
  const existing = new Map([...tbody.querySelectorAll(`tr[data-${keyName}]`)].map((tr) => [tr.dataset[keyName], tr]));
  let previous = null;
  for (const item of items) {
    const key = keyOf(item);
    let tr = existing.get(key);
    existing.delete(key);
    if (!tr) {
      tr = element('tr', { attrs: { [`data-${keyName}`]: key } }, ...columns.map(([col, label]) => element('td', { attrs: { 'data-col': col, 'data-label': label } })));
    }
    for (const [col, , draw] of columns) {
      const td = tr.querySelector(`td[data-col="${col}"]`);
      const content = draw(item, ...extra);
      const html = typeof content === 'string' ? element('td', { text: content }).innerHTML : content.outerHTML;
      if (td.innerHTML !== html) td.replaceChildren(content);
    }
    // Keep the feed's order without moving rows that are already in place.
    const wanted = previous ? previous.nextElementSibling : tbody.firstElementChild;
    if (wanted !== tr) tbody.insertBefore(tr, wanted);
    previous = tr;
  }
  for (const tr of existing.values()) tr.remove();
}

function updateFigures(stats) {
  for (const el of root.querySelectorAll('[data-kpi]')) {
    const value = valueAt(stats, el.dataset.kpi);
    if (value !== undefined) setText(el, format(el.dataset.kpi, value));
  }
  // Agents by username, teams by name (§13 satisfaction per team): a row never shows another's figures.
  updateRows('agent-rows', 'agent', (a) => a.username, stats.agents, AGENT_COLUMNS, stats.team);
  // "No agents yet" only while there is none (the first one registered while the page is open).
  const noAgents = document.getElementById('agents-empty');
  if (noAgents) noAgents.hidden = stats.agents.length > 0;
  const teamRows = teamCsatRows(stats);
  updateRows('team-csat-rows', 'team', (t) => t.name, teamRows, TEAM_COLUMNS);
  // Shown from two rows on (one would repeat the Satisfaction card), as TeamSatisfaction decides.
  const teamBox = document.getElementById('team-csat-box');
  if (teamBox) teamBox.hidden = teamRows.length < 2;
  updateAttention(stats.attention);
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
    // §13: good and bad ratings per agent, stacked.
    csat: { labels: stats.agents.map((a) => a.username), datasets: [stats.agents.map((a) => a.csat.good), stats.agents.map((a) => a.csat.rated - a.csat.good)] },
  };
}

let charts = null;

/** Each chart's canvas, by its name in chartData. */
const CHART_IDS = { states: 'chart-states', closed: 'chart-closed', breaches: 'chart-breaches', targets: 'chart-targets', csat: 'chart-csat' };

function createCharts(Chart, stats) {
  const data = chartData(stats);
  markEmptyCharts(data);
  const integerAxis = { y: { beginAtZero: true, ticks: { precision: 0 } } };
  return {
    states: new Chart(document.getElementById(CHART_IDS.states), {
      type: 'pie',
      data: { labels: data.states.labels, datasets: [{ data: data.states.data, backgroundColor: [COLORS.pending, COLORS.open, COLORS.closed] }] },
      options: { maintainAspectRatio: false },
    }),
    closed: new Chart(document.getElementById(CHART_IDS.closed), {
      type: 'bar',
      data: { labels: data.closed.labels, datasets: [{ label: 'Closed', data: data.closed.data, backgroundColor: COLORS.agent }] },
      options: { maintainAspectRatio: false, scales: integerAxis, plugins: { legend: { display: false } } },
    }),
    breaches: new Chart(document.getElementById(CHART_IDS.breaches), {
      type: 'bar',
      data: { labels: data.breaches.labels, datasets: [{ label: 'Breaches', data: data.breaches.data, backgroundColor: [COLORS.high, COLORS.medium, COLORS.low] }] },
      options: { maintainAspectRatio: false, scales: integerAxis, plugins: { legend: { display: false } } },
    }),
    targets: new Chart(document.getElementById(CHART_IDS.targets), {
      type: 'bar',
      data: {
        labels: data.targets.labels,
        datasets: PRIORITIES.map(([p, label], i) => ({ label, data: data.targets.datasets[i], backgroundColor: COLORS[p] })),
      },
      options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true, max: 100, ticks: { callback: (v) => `${v} %` } } } },
    }),
    csat: new Chart(document.getElementById(CHART_IDS.csat), {
      type: 'bar',
      data: {
        labels: data.csat.labels,
        datasets: [
          { label: 'Good', data: data.csat.datasets[0], backgroundColor: COLORS.good },
          { label: 'Bad', data: data.csat.datasets[1], backgroundColor: COLORS.bad },
        ],
      },
      options: { maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    }),
  };
}

/**
 * Whether a chart has nothing to draw (every value zero or none: Chart.js would draw a pie of zeros
 * as nothing and bars of zeros as bare axes); its box then says so (CHART_EMPTY in
 * src/views/adminapp.tsx, which decides the same on the page).
 */
function nothingToDraw(data) {
  return (data.datasets ? data.datasets.flat() : data.data).every((value) => value === null || value === 0);
}

/** Shows or hides each chart's "nothing in this window" note. */
function markEmptyCharts(data) {
  for (const [name, id] of Object.entries(CHART_IDS)) {
    const note = document.getElementById(id)?.closest('figure')?.querySelector('[data-chart-empty]');
    if (note) note.hidden = !nothingToDraw(data[name]);
  }
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
  markEmptyCharts(data);
}

/**
 * The feed's answer: `{ stats }`; `{ loggedOut: true }` when the session ended (the feed redirects
 * to the login page); `{ gone: true }` when this dashboard is no longer there to see (its team
 * renamed or deleted, no longer an admin: the page itself would now say why); null when there is
 * nothing to show (a server error, too many requests, offline).
 */
async function fetchStats() {
  try {
    // Marked as background traffic: an open dashboard must not keep an absent admin's session alive.
    const response = await fetch(root.dataset.feed, { headers: { accept: 'application/json', 'x-helpdesk-refresh': '1' }, credentials: 'same-origin', cache: 'no-store' });
    if (response.redirected && new URL(response.url).pathname.startsWith('/agents/login/')) return { loggedOut: true };
    // Only the feed's own refusals (a 429 or a 5xx passes: the next tick tries again, no reload loop).
    if (response.status === 400 || response.status === 403 || response.status === 404) return { gone: true };
    if (!response.ok || response.redirected) return null;
    return { stats: await response.json() };
  } catch {
    return null;
  }
}

/** When the figures on screen were read (epoch ms): the page's own load, then each refresh. */
let updatedAt = Date.now();

/**
 * Says, in words, since when the figures are not updated (while the feed fails), or nothing (`fresh`):
 * a dashboard left on a screen must not show old figures as current ones.
 */
function markStale(fresh) {
  const notice = document.getElementById('dashboard-stale');
  if (!notice) return;
  if (fresh) {
    updatedAt = Date.now();
    notice.hidden = true;
    return;
  }
  setText(notice, `Not updated since ${new Date(updatedAt).toISOString().slice(11, 19)} UTC: these figures may be out of date. Trying again every ${REFRESH_MS / 1000} seconds.`);
  notice.hidden = false;
}

/** Acts on an answer that is not figures; true when the page is leaving. */
function leaves(answer) {
  // The session ended (idle expiry, logout elsewhere): the login form, leading back to this dashboard (not its feed).
  if (answer?.loggedOut) location.assign(`/agents/login/?next=${encodeURIComponent(location.pathname + location.search)}`);
  // Loaded again, the page says why it is gone.
  else if (answer?.gone) location.reload();
  else return false;
  return true;
}

async function refresh() {
  const answer = await fetchStats();
  if (leaves(answer)) return false;
  if (!answer) {
    markStale(false);
    return true;
  }
  try {
    updateFigures(answer.stats);
    // The charts are drawn at the first figures the feed gives (the first answer may have failed).
    if (!charts && globalThis.Chart) {
      charts = createCharts(globalThis.Chart, answer.stats);
      root.dataset.charts = 'ready';
    } else updateCharts(answer.stats);
    markStale(true);
  } catch (error) {
    console.debug('dashboard refresh failed', error);
  }
  return true;
}

async function start() {
  if (!root) return;
  try {
    // The UMD build sets globalThis.Chart when loaded as a module (no CDN: /static/vendor/chart/).
    await import('/static/vendor/chart/chart.umd.min.js');
    const answer = await fetchStats();
    if (leaves(answer)) return;
    if (answer && globalThis.Chart) {
      charts = createCharts(globalThis.Chart, answer.stats);
      updateFigures(answer.stats);
      root.dataset.charts = 'ready';
    }
    markStale(answer !== null);
  } catch (error) {
    console.error('could not draw the dashboard charts', error);
  }
  // The next refresh is scheduled when this one ends, so a slow answer never stacks requests.
  const tick = async () => {
    if (await refresh()) setTimeout(tick, REFRESH_MS);
  };
  setTimeout(tick, REFRESH_MS);
}

start();
