// The staff ticket page, live (SPEC §9 "Collision"). Who else has this ticket open shows in
// #viewers ("Also viewing: Ben, Carla"); when the ticket changes (a customer message, a note, an
// assignment, the close) the thread and the ticket's facts are refetched and swapped in place, and
// messages the writer has not had on screen are marked new; the banner of a Close leaves once the
// close is no longer pending. The reply form's draft, cursor, files and hidden `seen` are never
// touched; only when what the form offers changes (a close committed: a note only, as a fresh load
// shows it) are its heading, kind choice, "Reply and close" and button swapped. When the close
// commits with the focus on Undo, the focus goes to the form's "The ticket is closed" line. Choosing a canned
// reply puts its text into the box, where it can be edited before sending. Without JavaScript the
// page is complete (a canned reply is then sent as it is when the box is left empty).
//
// The draft outlives a session that ends while it is typed: the box's text is kept in this tab's
// sessionStorage (per writer and ticket: the form's data-draft-key) as it changes, with the `seen`
// it was written against, and a page that opens with the box empty, such as this one after the
// login that Send led to, puts both back (what came meanwhile is then marked new, and holds the
// reply back as above). It is forgotten once a page says the message was sent (its flash's
// data-flash-event), and with the tab.
//
// `seen` is NOT moved on when new messages arrive. It says which messages the writer had in front
// of them when they loaded the page, and a message that appears while they type is not a message
// they have read: so the server's stale check still holds their reply back (409, the draft kept)
// when the customer wrote meanwhile. Having read the new messages, the writer can say so with
// "Mark as read", which moves `seen` to the newest message shown; only that lets the reply through.
import { tickCountdowns } from './app.js';
import { coalesce, differs, dropPastCloseFlash, fetchPage, followStream, landFocus, swapSection } from './live-page.js';

const main = document.querySelector('main[data-ticket-id]');
const ticketId = Number(main?.dataset.ticketId);
// The parts of the page a change of the ticket can change; the form is not one of them (below).
const LIVE_PARTS = ['#ticket-facts', '#thread', 'hgroup .badges', '#close-control'];
// The parts of the form that say what it offers (`data-offers`: a reply, or a note only); never the draft.
const OFFER_PARTS = ['#reply-heading', '#reply-kind', '#reply-close', '#reply-send'];
const POLL_MS = 5000;
// A reply-and-close is several changes in a row: one refetch.
const DEBOUNCE_MS = 100;

const viewers = document.getElementById('viewers');
const seenField = document.querySelector('#reply-form input[name="seen"]');
const box = document.querySelector('#reply-form textarea[name="body"]');

/** Shows who else has the ticket open; an empty list shows nothing. */
function showViewers(list) {
  if (!viewers) return;
  const text = list.length > 0 ? `Also viewing: ${list.map((v) => v.name).join(', ')}` : '';
  let line = viewers.querySelector('p');
  if (!text) {
    line?.remove();
    return;
  }
  if (!line) line = viewers.appendChild(document.createElement('p'));
  if (line.textContent !== text) line.textContent = text;
}

// What is new since `seen`: said once in a polite status line above the form (created now, empty,
// so screen readers know it before it speaks), with the button that marks it read.
const news = document.createElement('div');
news.id = 'thread-news';
const newsText = news.appendChild(document.createElement('p'));
newsText.setAttribute('role', 'status');
const markRead = news.appendChild(document.createElement('button'));
markRead.type = 'button';
markRead.className = 'secondary';
markRead.textContent = 'Mark as read';
markRead.hidden = true;
const form = document.getElementById('reply-form');
if (form) form.before(news);
else viewers?.after(news);

function seen() {
  const value = Number(seenField?.value);
  return seenField?.value && Number.isSafeInteger(value) ? value : null;
}

function markMessage(message) {
  if (message.classList.contains('message-new')) return;
  message.classList.add('message-new');
  const badge = document.createElement('strong');
  badge.className = 'badge new-since';
  badge.textContent = 'New';
  message.querySelector('header')?.prepend(badge, ' ');
}

/** Marks the messages after `seen` as new and says how many there are. */
function markNew() {
  const after = seen();
  if (after === null) return;
  const fresh = [...document.querySelectorAll('#thread article[data-message-id]')].filter((m) => Number(m.dataset.messageId) > after);
  for (const message of fresh) markMessage(message);
  const text = fresh.length === 0 ? '' : fresh.length === 1 ? '1 new message in the conversation above.' : `${fresh.length} new messages in the conversation above.`;
  if (newsText.textContent !== text) newsText.textContent = text;
  markRead.hidden = fresh.length === 0;
}

markRead.addEventListener('click', () => {
  const newest = Number(main.dataset.newestMessageId);
  if (seenField && Number.isSafeInteger(newest) && newest > 0) seenField.value = String(newest);
  for (const message of document.querySelectorAll('#thread .message-new')) {
    message.classList.remove('message-new');
    message.querySelector('.new-since')?.remove();
  }
  newsText.textContent = '';
  markRead.hidden = true;
  keepDraft();
  // Back to the draft, where the writer was going.
  box?.focus();
});

// A canned reply goes into the box where the writer left the cursor, or after the draft when they
// never put it there (the draft is kept either way); the choice is then reset, so what is sent is
// exactly what the box shows. Placeholders are filled by the server when sent.
const cannedChoice = document.querySelector('#reply-form select[name="canned"]');
const cannedTexts = document.getElementById('canned-texts');
let caretPlaced = false;
box?.addEventListener('focus', () => (caretPlaced = true), { once: true });
cannedChoice?.addEventListener('change', () => {
  const text = cannedTexts?.content.querySelector(`[data-canned-id="${CSS.escape(cannedChoice.value)}"]`)?.textContent;
  if (!box || !cannedChoice.value || text === undefined) return;
  if (caretPlaced) box.setRangeText(text, box.selectionStart, box.selectionEnd, 'end');
  else box.setRangeText(box.value && !box.value.endsWith('\n') ? `\n\n${text}` : text, box.value.length, box.value.length, 'end');
  cannedChoice.value = '';
  box.focus();
  keepDraft();
});

/** Swaps each of `selectors` that differs in `doc` (the fresh page) for its fresh copy. */
function swapParts(doc, selectors) {
  for (const selector of selectors) {
    const fresh = doc.querySelector(selector);
    const current = document.querySelector(selector);
    if (fresh && current && differs(current, fresh)) swapSection(current, fresh);
  }
}

const draftKey = form?.dataset.draftKey ? `helpdesk-draft:${form.dataset.draftKey}` : null;

/** This tab's storage, or null where the browser refuses it (storage turned off). */
function draftStore() {
  try {
    return draftKey && box ? window.sessionStorage : null;
  } catch {
    return null;
  }
}

// Kept with the draft: `seen` as it was, so a message that came meanwhile still holds the reply back.
function keepDraft() {
  const store = draftStore();
  if (!store) return;
  try {
    if (box.value.trim() === '') store.removeItem(draftKey);
    else store.setItem(draftKey, JSON.stringify({ body: box.value, seen: seenField?.value ?? '' }));
  } catch (error) {
    // Storage full: the draft is only in the box, as without this.
    console.warn('could not keep the draft', error);
  }
}

function readDraft(store) {
  try {
    const kept = JSON.parse(store.getItem(draftKey) ?? 'null');
    if (typeof kept?.body === 'string' && typeof kept.seen === 'string') return kept;
  } catch {
    // Not a draft of this page's (another version wrote it): dropped below.
  }
  store.removeItem(draftKey);
  return null;
}

function restoreDraft() {
  const store = draftStore();
  if (!store) return;
  if (document.querySelector('[data-flash-event="message-sent"]')) {
    store.removeItem(draftKey);
    return;
  }
  const kept = readDraft(store);
  // A box the server filled (a send it refused) holds the newer text.
  if (!kept || box.value !== '') return;
  box.value = kept.body;
  if (seenField && /^\d+$/.test(kept.seen)) seenField.value = kept.seen;
  const note = document.createElement('p');
  note.className = 'flash flash-info draft-restored';
  note.setAttribute('role', 'status');
  note.textContent = 'Your unsent message is back in the box. Check it and send it again.';
  box.closest('label')?.before(note);
}

restoreDraft();
box?.addEventListener('input', keepDraft);
form?.addEventListener('submit', keepDraft);

// Undo had the focus when the close committed: the focus goes to what the form now says (a note
// only, the ticket being closed), just above the box, where the keyboard user can go on.
function closedLanding() {
  if (!document.querySelector('hgroup .badges .state-closed')) return null;
  return document.getElementById('kind-note-only') ?? document.getElementById('reply-heading');
}

async function refresh() {
  // The ticket's page, also when this one is the answer to a refused send (its URL is the form's).
  const page = await fetchPage(`/agents/tickets/${ticketId}/${location.search}`);
  if (page?.loggedOut) {
    // Leaving for the login page would lose the draft: say what happened instead.
    newsText.textContent = 'Your session has ended. Log in again in another tab, then send from here: your draft is kept.';
    return;
  }
  if (page?.refused) {
    // The ticket went to another agent: the server refuses the page (and stops this stream's viewers).
    newsText.textContent = 'This ticket is no longer yours: reload the page to see who has it now. Copy your draft first if you need it; it cannot be sent here.';
    return;
  }
  const freshMain = page?.doc.querySelector('main[data-ticket-id]');
  if (!freshMain || Number(freshMain.dataset.ticketId) !== ticketId) return;
  // Messages marked new (by the server after a held-back reply, or here) stay marked in the fresh copy.
  const marked = [...document.querySelectorAll('#thread .message-new')].map((m) => m.dataset.messageId);
  swapParts(page.doc, LIVE_PARTS);
  // Only when the offer changed: a fresh copy of the kind choice would reset a choice the writer made.
  const freshForm = page.doc.getElementById('reply-form');
  if (form && freshForm && freshForm.dataset.offers !== form.dataset.offers) {
    swapParts(page.doc, OFFER_PARTS);
    form.dataset.offers = freshForm.dataset.offers;
  }
  landFocus(closedLanding);
  dropPastCloseFlash();
  main.dataset.newestMessageId = freshMain.dataset.newestMessageId ?? '';
  for (const id of marked) {
    const message = document.querySelector(`#thread article[data-message-id="${CSS.escape(id)}"]`);
    if (message) markMessage(message);
  }
  markNew();
  tickCountdowns();
}

if (main && Number.isSafeInteger(ticketId) && ticketId > 0) {
  const scheduleRefresh = coalesce(refresh, DEBOUNCE_MS);
  const stream = followStream(`/agents/events/?ticket=${ticketId}`, {
    handlers: {
      ticket: (change) => {
        if (change.ticketId === ticketId) scheduleRefresh();
      },
      resync: scheduleRefresh,
      viewers: (data) => {
        if (data.ticketId === ticketId) showViewers(data.viewers ?? []);
      },
      logout: () => {
        stream.stop();
        showViewers([]);
        scheduleRefresh();
      },
    },
    refresh: scheduleRefresh,
    pollMs: POLL_MS,
    // While the stream is down nobody's presence is known: show none rather than a stale list.
    onDown: () => showViewers([]),
  });
  markNew();
}
