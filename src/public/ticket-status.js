// Keeps a customer's status page current while the request is open: every few seconds (only while
// the tab is visible) it refetches the page and, when the request changed (its data-version: status,
// agent, number of events, whose turn, newest message), swaps the parts marked data-live, the
// conversation among them (the reply form is not one: a draft is never touched). A new reply from
// the team, else the newest timeline entry, is read out once through the page's polite status
// region. Closed is final: a closed request stops the refreshing. Without JavaScript the page is
// complete, just static.
import { tickCountdowns } from './app.js';

const REFRESH_MS = 5000;
let timer = null;

async function refresh() {
  timer = null;
  try {
    // The page's own address, not the window's: after a refused message the window shows the reply
    // form's (.../reply/), which answers POST only. Background traffic (src/http/session.ts): a
    // staff member with this page open is not at work.
    const page = document.querySelector('[data-refresh]')?.dataset.refresh ?? location.pathname;
    const response = await fetch(page + location.search, { headers: { accept: 'text/html', 'x-helpdesk-refresh': '1' }, cache: 'no-store', credentials: 'same-origin' });
    if (response.ok) {
      const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
      const fresh = doc.querySelector('[data-version]');
      const current = document.querySelector('[data-version]');
      if (fresh && current && fresh.dataset.version !== current.dataset.version) {
        const lastMessage = newestMessage(current)?.id;
        for (const part of fresh.querySelectorAll('[data-live]')) {
          const mine = current.querySelector(`[data-live="${part.dataset.live}"]`);
          if (mine) mine.innerHTML = part.innerHTML;
        }
        current.dataset.version = fresh.dataset.version;
        current.dataset.ticketStatus = fresh.dataset.ticketStatus;
        announce(current, newestMessage(current)?.id !== lastMessage);
        tickCountdowns();
      }
      if (fresh?.dataset.ticketStatus === 'closed') return;
    }
  } catch {
    // Offline for a moment: try again at the next tick.
  }
  schedule();
}

function newestMessage(article) {
  return article.querySelector('.public-thread li:last-child');
}

function announce(article, newMessage) {
  const news = document.getElementById('status-news');
  if (!news) return;
  const message = newMessage ? newestMessage(article) : null;
  if (message?.dataset.messageKind === 'reply') {
    news.textContent = `New reply from ${message.querySelector('.message-author')?.textContent ?? 'our team'}`;
    return;
  }
  const latest = article.querySelector('.timeline li:last-child');
  // The entry's sentence alone (its names are elements of their own, <bdi>), not its time.
  if (latest) news.textContent = `Update: ${latest.querySelector('.what')?.textContent?.trim() ?? ''}`;
}

function schedule() {
  if (timer === null && document.visibilityState === 'visible') timer = setTimeout(refresh, REFRESH_MS);
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'visible' && timer !== null) {
    clearTimeout(timer);
    timer = null;
  } else if (document.visibilityState === 'visible') {
    schedule();
  }
});

schedule();
