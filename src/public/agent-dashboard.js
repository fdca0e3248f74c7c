// Keeps "My tickets" current without a reload: refetches the page and swaps the open-tickets section.
import { tickCountdowns } from './app.js';

const REFRESH_MS = 3000;

async function refresh() {
  try {
    const response = await fetch(location.pathname, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
    if (!response.ok || response.redirected) return;
    const doc = new DOMParser().parseFromString(await response.text(), 'text/html');
    for (const id of ['open-tickets', 'presence']) {
      const fresh = doc.getElementById(id);
      const current = document.getElementById(id);
      if (fresh && current && fresh.innerHTML !== current.innerHTML) current.replaceWith(document.importNode(fresh, true));
    }
    tickCountdowns();
  } catch {
    // Offline for a moment: the next tick tries again.
  }
}

setInterval(refresh, REFRESH_MS);
