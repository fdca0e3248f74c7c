// What the live staff pages (the agent dashboard, the ticket page) share: refetching the page they
// show as background traffic, swapping a section for its fresh copy without losing the keyboard
// focus, coalescing bursts of events into one refetch at a time, and taking away the banner of a
// Close once its undo window is over; where the keyboard focus goes when its control is gone.

// Swapping a section must not throw keyboard users out of it: remember what had focus by something
// stable (its label, its form's action, its link) and put focus back on the same control if it is still there.
function focusKey(el) {
  if (!el || el === document.body) return null;
  return el.getAttribute('aria-label') ?? el.form?.getAttribute('action') ?? el.getAttribute('href') ?? (el.id || null);
}

// Only controls a person can focus: a button shares its form's action with the form's hidden
// `_csrf` input, which comes first in the form and cannot take the focus (issue 23 item 7).
const FOCUSABLE = 'button, a[href], input:not([type="hidden"]), select, textarea';

function findByFocusKey(root, key) {
  for (const el of root.querySelectorAll(FOCUSABLE)) {
    if (focusKey(el) === key && !el.disabled) return el;
  }
  return null;
}

// What differs between two renders of the same thing, or was changed here since: the text app.js
// tickCountdowns changes every second, the form's CSRF token (a new one each render) and the message
// that describes the button the focus was put on (app.js). A fresh copy that differs only there
// shows nothing new, and replacing the section would be needless.
const TICKING = '[data-close-due], .countdown[data-due], [data-since]';

function comparable(section) {
  const copy = section.cloneNode(true);
  for (const el of copy.querySelectorAll(TICKING)) el.textContent = '';
  for (const el of copy.querySelectorAll('input[name="_csrf"]')) el.removeAttribute('value');
  for (const el of copy.querySelectorAll('button[aria-describedby]')) el.removeAttribute('aria-describedby');
  return copy.innerHTML;
}

/** Whether `fresh` (from a fetched document) shows something `current` does not (see `comparable`). */
export function differs(current, fresh) {
  return current.innerHTML !== fresh.innerHTML && comparable(current) !== comparable(fresh);
}

// The focus a swap took away with nothing like it to go back to: the page decides where it goes
// once all its sections are fresh (landFocus), since that place may be in a section swapped later.
let lostFocus = null;

/**
 * Replaces `current` by a copy of `fresh` (from a fetched document), keeping the focus inside, and
 * what describes the focused control for the moment (app.js: the message of the Close or Undo that
 * put the focus there; it goes when the control loses the focus). A close control that turned into
 * the other one (an Undo elsewhere) keeps the focus on its button; a control that is gone leaves
 * the focus to landFocus.
 */
export function swapSection(current, fresh) {
  const focused = document.activeElement;
  const hadFocus = current.contains(focused);
  const key = hadFocus ? focusKey(focused) : null;
  const closeControl = hadFocus ? (focused.closest('[data-close-control]')?.dataset.closeControl ?? null) : null;
  const describedBy = hadFocus ? focused.getAttribute('aria-describedby') : null;
  const replacement = document.importNode(fresh, true);
  current.replaceWith(replacement);
  if (!hadFocus) return replacement;
  const target = (key && findByFocusKey(replacement, key)) ?? (closeControl && replacement.querySelector(`form[data-close-control="${CSS.escape(closeControl)}"] button`));
  if (target) {
    if (describedBy && !target.hasAttribute('aria-describedby')) target.setAttribute('aria-describedby', describedBy);
    target.focus();
  } else {
    lostFocus = { section: replacement, closeControl };
  }
  return replacement;
}

/**
 * After a refresh's swaps: puts the focus a swap took away where the keyboard user can go on, never
 * leaving it on the page's body. `landing(closeControl)` is the page's choice for a close control
 * that is gone (its reference, "HD-2": the close committed), or null; else the heading of the
 * section the control was in. When the close committed, the banner that said "Closing HD-2" (a
 * status line already) says so: it stays, as the flash of any other action does. Returns the element
 * focused, or null.
 */
export function landFocus(landing) {
  const lost = lostFocus;
  lostFocus = null;
  if (!lost || (document.activeElement && document.activeElement !== document.body)) return null;
  const landed = lost.closeControl ? landing(lost.closeControl) : null;
  const target = landed ?? (lost.section.isConnected ? lost.section.querySelector('h2, [tabindex]') : null);
  if (!target) return null;
  if (!target.matches(`${FOCUSABLE}, [tabindex]`)) target.setAttribute('tabindex', '-1');
  target.focus();
  const banner = landed && document.querySelector(`[data-flash-closing="${CSS.escape(lost.closeControl)}"]`);
  if (banner) {
    delete banner.dataset.flashClosing;
    banner.textContent = `${lost.closeControl} is closed. The customer has been told.`;
  }
  return target;
}

/**
 * Removes the banner of a Close ("Closing HD-2. Undo it…", `data-flash-closing`) once the
 * page no longer shows that close pending: it committed (or was undone elsewhere), and the banner
 * would go on offering an undo that no longer exists. A refresh never brings a banner back (it does
 * not take the flash), so this is the only way it leaves without a reload.
 */
export function dropPastCloseFlash() {
  for (const flash of document.querySelectorAll('[data-flash-closing]')) {
    if (!document.querySelector(`form[data-close-pending="${CSS.escape(flash.dataset.flashClosing)}"]`)) flash.remove();
  }
}

/**
 * Fetches the current page (or `url`, the page the current one stands for) again. Marked as background traffic (src/http/session.ts): it neither
 * takes the flash message nor keeps the session alive, so an open tab alone never keeps an absent
 * agent available. Resolves with the parsed document; `{ loggedOut: url }` when the session ended
 * (the answer is the login page); `{ refused: status }` when the page is no longer the viewer's to
 * see (403, 404); null when there is nothing to show (a server error, offline).
 */
export async function fetchPage(url = location.pathname + location.search) {
  try {
    const response = await fetch(url, { headers: { accept: 'text/html', 'x-helpdesk-refresh': '1' }, credentials: 'same-origin', cache: 'no-store' });
    if (response.redirected && new URL(response.url).pathname.startsWith('/agents/login/')) return { loggedOut: response.url };
    if (response.status === 403 || response.status === 404) return { refused: response.status };
    if (!response.ok || response.redirected) return null;
    return { doc: new DOMParser().parseFromString(await response.text(), 'text/html') };
  } catch {
    // Offline for a moment: the next event or poll tries again.
    return null;
  }
}

/**
 * Runs `task` (async) after `delayMs`, once for a burst of calls, never twice at the same time:
 * a call while it runs runs it once more afterwards. Returns the function that asks for a run.
 */
export function coalesce(task, delayMs) {
  let timer = null;
  let running = false;
  let again = false;
  const schedule = () => {
    if (running) {
      again = true;
      return;
    }
    if (timer !== null) return;
    timer = setTimeout(async () => {
      timer = null;
      running = true;
      try {
        await task();
      } finally {
        running = false;
        if (again) {
          again = false;
          schedule();
        }
      }
    }, delayMs);
  };
  return schedule;
}

// After the server refused the stream outright (e.g. 401), try it again this much later.
const RECONNECT_MS = 15000;

/**
 * Follows the live stream at `url`: `handlers` maps event names to functions of the parsed data.
 * `refresh` runs when the stream (re)opens, for whatever changed while nobody listened, and every
 * `pollMs` while the stream is down or the browser has no EventSource; `onDown` hears that it went
 * down. `<html data-live>` says which (`sse` or `polling`), for tests and curious people. Returns
 * `stop()`, after which nothing reconnects (the session ended).
 */
export function followStream(url, { handlers, refresh, pollMs, onDown = () => {} }) {
  let source = null;
  let pollTimer = null;
  let stopped = false;
  const startPolling = () => {
    document.documentElement.dataset.live = 'polling';
    if (pollTimer === null) pollTimer = setInterval(refresh, pollMs);
  };
  const stopPolling = () => {
    if (pollTimer !== null) clearInterval(pollTimer);
    pollTimer = null;
  };
  const connect = () => {
    if (stopped) return;
    source = new EventSource(url);
    source.addEventListener('open', () => {
      stopPolling();
      document.documentElement.dataset.live = 'sse';
      refresh();
    });
    for (const [name, handler] of Object.entries(handlers)) {
      source.addEventListener(name, (event) => handler(event.data ? JSON.parse(event.data) : {}));
    }
    source.addEventListener('error', () => {
      if (stopped) return;
      // CONNECTING: the browser retries by itself; CLOSED: the server refused, retry later.
      onDown();
      startPolling();
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, RECONNECT_MS);
    });
  };
  if (typeof EventSource === 'function') connect();
  else startPolling();
  return {
    stop() {
      stopped = true;
      stopPolling();
      source?.close();
    },
  };
}
