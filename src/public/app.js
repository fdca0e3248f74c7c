// Progressive enhancement shared by every page; each page is complete without it.
// - SLA countdowns (.countdown[data-due]), pending closes ([data-close-due]) and ticket ages ([data-since]) tick every second.
// - <time datetime> shows the reader's local time (pages are rendered in UTC).
// - The navigation link of the current section gets aria-current="page".
// - A form that came back with errors moves the keyboard focus to its error summary (or its notice).
// - After Close or Undo, the keyboard focus goes to that ticket's close control (Undo, or Close again).
// - A form with data-confirm (a delete, a new secret: what cannot be undone) asks first.
// - A text box with data-maxlength counts: characters left near its limit, too many past it.
// - A scroll region wider than its box (a figures table on a phone) shows which sides hide columns.

/** Same wording as the server's humanSpan: `45 s`, `12 min`, `1 h 5 min`, `3 d`. */
function span(ms) {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

// Countdowns count from the server's clock, not the browser's: a laptop ten minutes fast showed a
// ticket with four minutes left as "Overdue by 6 min". The page says when the server rendered it
// (<html data-server-now>); a browser clock further off than a slow page load could explain is
// corrected by the difference. Within that margin the browser's own clock is kept: it ticks evenly.
const TRUSTED_SKEW_MS = 5000;
const renderedAt = Number(document.documentElement.dataset.serverNow);
const skewMs = Number.isFinite(renderedAt) && Math.abs(renderedAt - Date.now()) > TRUSTED_SKEW_MS ? renderedAt - Date.now() : 0;

/** The time now as the server's clock reads it (see skewMs). */
export function serverNow() {
  return Date.now() + skewMs;
}

export function tickCountdowns(root = document) {
  const now = serverNow();
  for (const el of root.querySelectorAll('.countdown[data-due]')) {
    const left = Number(el.dataset.due) - now;
    const text = left < 0 ? `Overdue by ${span(left)}` : `${span(left)} left`;
    if (el.textContent !== text) el.textContent = text;
    el.classList.toggle('sla-breached', left < 0);
    el.classList.toggle('sla-soon', left >= 0 && left < 60000);
    el.classList.toggle('sla-ok', left >= 60000);
  }
  // A pending close (the undo window): whole seconds left; at 0 it waits for the commit to arrive live.
  for (const el of root.querySelectorAll('[data-close-due]')) {
    const text = `${Math.max(0, Math.ceil((Number(el.dataset.closeDue) - now) / 1000))} s`;
    if (el.textContent !== text) el.textContent = text;
  }
  for (const el of root.querySelectorAll('[data-since]')) {
    const text = span(now - Number(el.dataset.since));
    if (el.textContent !== text) el.textContent = text;
  }
  localiseTimes(root);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
// <time data-seconds>: a ticket whose SLA is under an hour keeps its seconds (core/sla.ts showsSeconds).
const secondsFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

function localiseTimes(root = document) {
  for (const el of root.querySelectorAll('time[datetime]:not([data-local])')) {
    const date = new Date(el.getAttribute('datetime'));
    if (Number.isNaN(date.getTime())) continue;
    el.title = el.textContent;
    el.textContent = (el.hasAttribute('data-seconds') ? secondsFormat : timeFormat).format(date);
    el.dataset.local = 'true';
  }
}

function markCurrentNav() {
  const path = location.pathname;
  let best = null;
  for (const link of document.querySelectorAll('body > header nav a[href]:not(.brand)')) {
    const href = link.getAttribute('href');
    if (path.startsWith(href) && (!best || href.length > best.getAttribute('href').length)) best = link;
  }
  if (best) best.setAttribute('aria-current', 'page');
}

function focusErrorSummary() {
  // Else the form's notice (an expired form came back, a reply was held back): the form is below it.
  const summary = document.querySelector('.error-summary') ?? document.querySelector('.form-notice');
  if (summary) summary.focus();
}

/**
 * The answer to a Close or an Undo (the flash names the ticket: `data-flash-control`) puts the focus
 * where the keyboard user goes on: the button that ticket's close control now shows (Undo within the
 * window, Close after an undo), or the message itself when the control is gone (the close committed).
 * The message describes the button while it has the focus, so a screen reader says what happened
 * with it ("Undo closing HD-2, button, Closing HD-2. Undo it…"); once left, the button is itself again.
 */
function focusAnsweredControl() {
  const flash = document.querySelector('[data-flash-control]');
  if (!flash || (document.activeElement && document.activeElement !== document.body)) return;
  const control = document.querySelector(`form[data-close-control="${CSS.escape(flash.dataset.flashControl)}"] button`);
  if (!control) {
    flash.setAttribute('tabindex', '-1');
    flash.focus();
    return;
  }
  control.setAttribute('aria-describedby', flash.id);
  // On the document, not the button: a live page may swap in a fresh copy of the button (live-page.js swapSection).
  document.addEventListener('focusout', (event) => {
    if (event.target instanceof Element && event.target.getAttribute('aria-describedby') === flash.id) event.target.removeAttribute('aria-describedby');
  });
  control.focus();
}

function confirmIrreversible(event) {
  const question = event.target instanceof HTMLFormElement ? event.target.dataset.confirm : undefined;
  if (question && !window.confirm(question)) event.preventDefault();
}

/** Near a text box's limit (the last tenth), what is left; past it, how much too much (the server refuses it, text kept). */
function countCharacters(box) {
  const note = document.getElementById(`${box.id}-count`);
  const max = Number(box.dataset.maxlength);
  if (!note || !max) return;
  const left = max - box.value.length;
  const words = (n) => `${n.toLocaleString('en')} character${n === 1 ? '' : 's'}`;
  note.hidden = left > max / 10;
  note.textContent = left < 0 ? `${words(-left)} too many: at most ${max.toLocaleString('en')}.` : `${words(left)} left.`;
  note.classList.toggle('over', left < 0);
  // Read out with the box once it says something (not while typing: that would be every key).
  const ids = (box.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id !== '' && id !== note.id);
  box.setAttribute('aria-describedby', [...ids, ...(note.hidden ? [] : [note.id])].join(' '));
}

/**
 * Marks a scroll region's frame (views/components.tsx ScrollRegion) with the sides whose columns are
 * out of sight, `data-more="left right"` (none: it fits), and words its hint by them; app.css draws
 * a shadow on each such edge. Kept up to date as the region scrolls and as it or its table resizes
 * (a new width, rows refreshed live).
 */
export function markScrollFrame(frame) {
  const box = frame.querySelector('.table-scroll');
  const hint = frame.querySelector('.scroll-hint');
  if (!box) return;
  const hidden = box.scrollWidth - box.clientWidth;
  // Right-to-left pages scroll to negative offsets; the distance from the start is what counts.
  const start = Math.abs(box.scrollLeft);
  const sides = hidden <= 1 ? [] : [...(start > 1 ? ['left'] : []), ...(start < hidden - 1 ? ['right'] : [])];
  if (sides.length === 0) frame.removeAttribute('data-more');
  else if (frame.dataset.more !== sides.join(' ')) frame.dataset.more = sides.join(' ');
  if (!hint) return;
  hint.hidden = sides.length === 0;
  const text = sides.length === 2 ? '← Scroll sideways for more columns →' : sides[0] === 'left' ? '← Scroll back for the first columns' : 'Scroll sideways for more columns →';
  if (hint.textContent !== text) hint.textContent = text;
}

function watchScrollFrames() {
  const frames = [...document.querySelectorAll('[data-scroll-frame]')];
  if (frames.length === 0) return;
  const resized = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const frame = entry.target.closest('[data-scroll-frame]');
      if (frame) markScrollFrame(frame);
    }
  });
  for (const frame of frames) {
    const box = frame.querySelector('.table-scroll');
    if (!box) continue;
    box.addEventListener('scroll', () => markScrollFrame(frame), { passive: true });
    resized.observe(box);
    for (const table of box.querySelectorAll('table')) resized.observe(table);
    markScrollFrame(frame);
  }
}

markCurrentNav();
watchScrollFrames();
focusErrorSummary();
focusAnsweredControl();
document.addEventListener('submit', confirmIrreversible);
for (const box of document.querySelectorAll('textarea[data-maxlength]')) countCharacters(box);
document.addEventListener('input', (event) => {
  if (event.target instanceof HTMLTextAreaElement && event.target.dataset.maxlength) countCharacters(event.target);
});
tickCountdowns();
setInterval(tickCountdowns, 1000);
