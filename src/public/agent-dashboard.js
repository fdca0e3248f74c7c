// Keeps "My tickets" current without a reload. The server pushes a Server-Sent Event when one of my
// tickets (or my presence) changes; the page then refetches itself and swaps the live sections.
// Without EventSource, or while the stream is down, it polls instead. Without JavaScript the page
// is still complete: it just does not change until reloaded.
import { tickCountdowns } from './app.js';
import { coalesce, fetchPage, followStream, swapSection } from './live-page.js';

const EVENTS_URL = '/agents/events/';
const LIVE_SECTIONS = ['open-tickets', 'presence', 'open-summary'];
const POLL_MS = 3000;
// Several events in a burst (a close that pulls three tickets) cost one refetch.
const DEBOUNCE_MS = 100;

const scheduleRefresh = coalesce(refresh, DEBOUNCE_MS);

async function refresh() {
  const page = await fetchPage();
  if (page?.loggedOut) {
    // The session ended (logout elsewhere, idle expiry): show the login page.
    location.assign(page.loggedOut);
    return;
  }
  if (!page) return;
  for (const id of LIVE_SECTIONS) {
    const fresh = page.doc.getElementById(id);
    const current = document.getElementById(id);
    if (fresh && current && fresh.innerHTML !== current.innerHTML) swapSection(current, fresh);
  }
  tickCountdowns();
}

const stream = followStream(EVENTS_URL, {
  handlers: {
    ticket: scheduleRefresh,
    presence: scheduleRefresh,
    resync: scheduleRefresh,
    logout: () => {
      stream.stop();
      scheduleRefresh();
    },
  },
  refresh: scheduleRefresh,
  pollMs: POLL_MS,
});
