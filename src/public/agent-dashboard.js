// Keeps "My tickets" current without a reload. The server pushes a Server-Sent Event when one of my
// tickets (or my presence) changes; the page then refetches itself and swaps the live sections
// (open and recently closed tickets, presence, the summary). A Close's banner goes with its pending
// row (dropPastCloseFlash).
// Without EventSource, or while the stream is down, it polls instead. Without JavaScript the page
// is still complete: it just does not change until reloaded.
//
// Rows never move under the pointer (issue 23): a fresh ticket list that would add, remove or
// reorder rows waits while the mouse is over the list, and is applied when it leaves (at the latest
// after HOLD_MAX_MS, so a pointer parked over the list does not freeze the page). A fresh list with
// the same rows in the same order (an SLA badge, a countdown) is applied at once: nothing moves.
// Keyboard focus does not hold the list: swapSection puts the focus back on the same control (the
// same ticket's button, found by its form's action), so Enter still acts on the ticket it was on;
// an Undo whose close committed leaves it on that ticket's line under "Recently closed".
// Touch has no hover to read; a tap lands at once, and Close has an undo window anyway.
// New tickets that arrive while the agent is not looking at the page are counted in the tab title,
// "(2) My tickets — Helpdesk", until the page is looked at again (visible and focused).
import { tickCountdowns } from './app.js';
import { coalesce, differs, dropPastCloseFlash, fetchPage, followStream, landFocus, swapSection } from './live-page.js';

const EVENTS_URL = '/agents/events/';
// Recently closed first: the focus of an Undo whose close committed goes there (closedLanding).
const LIVE_SECTIONS = ['closed-tickets', 'open-tickets', 'presence', 'open-summary'];
const LIST = 'open-tickets';
const POLL_MS = 3000;
// Several events in a burst (a close that pulls three tickets) cost one refetch.
const DEBOUNCE_MS = 100;
const HOLD_MAX_MS = 10000;

const scheduleRefresh = coalesce(refresh, DEBOUNCE_MS);

// --- Rows that do not move under the pointer ---
let pointerOver = false;
let held = null; // { fresh, since }: a ticket list waiting to be applied
let holdTimer = null;

function rowOrder(section) {
  return [...section.querySelectorAll('tr[data-ticket]')].map((row) => row.dataset.ticket).join(' ');
}

function applyList(fresh) {
  const current = document.getElementById(LIST);
  if (!current || !differs(current, fresh)) return;
  countNew(current, fresh);
  swapSection(current, fresh);
  // The fresh list has its own listeners to get (the section element was replaced).
  watchPointer();
  tickCountdowns();
}

function releaseHeld() {
  if (holdTimer !== null) clearTimeout(holdTimer);
  holdTimer = null;
  if (!held) return;
  const { fresh } = held;
  held = null;
  applyList(fresh);
  document.documentElement.dataset.rowsHeld = 'false';
  landFocus(closedLanding);
  dropPastCloseFlash();
}

function offerList(fresh) {
  const current = document.getElementById(LIST);
  if (!current) return;
  if (rowOrder(fresh) === rowOrder(current) || !pointerOver) {
    held = null;
    applyList(fresh);
    return;
  }
  // The newest fresh copy replaces an older held one; the deadline stays the first hold's.
  const since = held?.since ?? Date.now();
  held = { fresh, since };
  document.documentElement.dataset.rowsHeld = 'true';
  if (holdTimer === null) holdTimer = setTimeout(releaseHeld, Math.max(0, since + HOLD_MAX_MS - Date.now()));
}

function watchPointer() {
  const list = document.getElementById(LIST);
  if (!list || list.dataset.watched) return;
  list.dataset.watched = 'true';
  list.addEventListener('pointerenter', (event) => {
    if (event.pointerType === 'mouse') pointerOver = true;
  });
  list.addEventListener('pointerleave', () => {
    pointerOver = false;
    releaseHeld();
  });
}

// --- New tickets in the tab title ---
const baseTitle = document.title;
let unseen = 0;

function looking() {
  return document.visibilityState === 'visible' && document.hasFocus();
}

function showCount() {
  document.title = unseen > 0 ? `(${unseen}) ${baseTitle}` : baseTitle;
}

function countNew(current, fresh) {
  if (looking()) return;
  const known = new Set([...current.querySelectorAll('tr[data-ticket]')].map((row) => row.dataset.ticket));
  const added = [...fresh.querySelectorAll('tr[data-ticket]')].filter((row) => !known.has(row.dataset.ticket)).length;
  if (added === 0) return;
  unseen += added;
  showCount();
}

function seen() {
  if (unseen === 0 || !looking()) return;
  unseen = 0;
  showCount();
}

document.addEventListener('visibilitychange', seen);
window.addEventListener('focus', seen);

// --- The refresh ---
// Undo had the focus when the close committed: the focus goes to that ticket under "Recently
// closed" (else, the control being gone for another reason, to the Open list's heading).
function closedLanding(reference) {
  return document.querySelector(`#closed-tickets tr[data-closed-ticket="${CSS.escape(reference)}"] a[href]`);
}


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
    if (!fresh || !current) continue;
    if (id === LIST) offerList(fresh);
    else if (differs(current, fresh)) swapSection(current, fresh);
  }
  landFocus(closedLanding);
  // While the rows are held the pending row is still on screen, and so is its banner.
  dropPastCloseFlash();
  tickCountdowns();
}

watchPointer();

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
