// Keeps "My tickets" current without a reload. The server pushes a Server-Sent Event when one of my
// tickets (or my presence) changes; the page then refetches itself and swaps the live sections.
// Without EventSource, or while the stream is down, it polls instead. Without JavaScript the page
// is still complete: it just does not change until reloaded.
import { tickCountdowns } from './app.js';

const EVENTS_URL = '/agents/events/';
const LIVE_SECTIONS = ['open-tickets', 'presence', 'open-summary'];
const POLL_MS = 3000;
// Several events in a burst (a close that pulls three tickets) cost one refetch.
const DEBOUNCE_MS = 100;
// After the server refused the stream outright, try it again this much later.
const RECONNECT_MS = 15000;

let refreshTimer = null;
let refreshing = false;
let refreshAgain = false;
let pollTimer = null;
let source = null;

// Swapping a section must not throw keyboard users out of it: remember what had focus by something
// stable (its label, or its form's action) and put focus back on the same control if it is still there.
function focusKey(el) {
  if (!el || el === document.body) return null;
  return el.getAttribute('aria-label') ?? el.form?.getAttribute('action') ?? (el.id || null);
}

function findByFocusKey(root, key) {
  for (const el of root.querySelectorAll('button, a, input, select, textarea')) {
    if (focusKey(el) === key) return el;
  }
  return null;
}

function swapSection(current, fresh) {
  const hadFocus = current.contains(document.activeElement);
  const key = hadFocus ? focusKey(document.activeElement) : null;
  const replacement = document.importNode(fresh, true);
  current.replaceWith(replacement);
  if (!hadFocus) return;
  const target = (key && findByFocusKey(replacement, key)) ?? replacement.querySelector('h2, [tabindex]');
  if (target) {
    if (!target.matches('button, a, input, select, textarea, [tabindex]')) target.setAttribute('tabindex', '-1');
    target.focus();
  }
}

async function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = true;
  try {
    // Marked as background traffic (src/http/session.ts): it neither takes the flash message nor
    // keeps the session alive, so an open tab alone never keeps an absent agent available.
    const response = await fetch(location.pathname, { headers: { accept: 'text/html', 'x-helpdesk-refresh': '1' }, credentials: 'same-origin', cache: 'no-store' });
    if (response.redirected && new URL(response.url).pathname.startsWith('/agents/login/')) {
      // The session ended (logout elsewhere, idle expiry): show the login page.
      location.assign(response.url);
      return;
    }
    if (!response.ok || response.redirected) return;
    const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
    for (const id of LIVE_SECTIONS) {
      const fresh = doc.getElementById(id);
      const current = document.getElementById(id);
      if (fresh && current && fresh.innerHTML !== current.innerHTML) swapSection(current, fresh);
    }
    tickCountdowns();
  } catch {
    // Offline for a moment: the next event or poll tries again.
  } finally {
    refreshing = false;
    if (refreshAgain) {
      refreshAgain = false;
      scheduleRefresh();
    }
  }
}

function scheduleRefresh() {
  if (refreshTimer !== null) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    void refresh();
  }, DEBOUNCE_MS);
}

function startPolling() {
  if (pollTimer === null) pollTimer = setInterval(refresh, POLL_MS);
}

function stopPolling() {
  if (pollTimer !== null) clearInterval(pollTimer);
  pollTimer = null;
}

function connect() {
  source = new EventSource(EVENTS_URL);
  source.addEventListener('open', () => {
    stopPolling();
    document.documentElement.dataset.live = 'sse';
    // Whatever changed while we were not listening.
    scheduleRefresh();
  });
  for (const name of ['ticket', 'presence', 'resync']) source.addEventListener(name, scheduleRefresh);
  source.addEventListener('logout', () => {
    source.close();
    void refresh();
  });
  source.addEventListener('error', () => {
    // CONNECTING: the browser retries by itself; CLOSED: the server refused (e.g. 401), retry later.
    document.documentElement.dataset.live = 'polling';
    startPolling();
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, RECONNECT_MS);
  });
}

if (typeof EventSource === 'function') connect();
else {
  document.documentElement.dataset.live = 'polling';
  startPolling();
}
