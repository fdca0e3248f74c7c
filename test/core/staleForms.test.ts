import { describe, expect, it } from 'vitest';
import { expiredFormNotice, farTooLongMessage, limitedFormNotice, mayShowFormAgain, pageOfAction } from '../../src/core/staleForms.js';

describe('an expired form comes back filled in only when nothing says another site sent it', () => {
  it.each([
    // Sec-Fetch-Site is believed when the browser sends it.
    ['same-origin', undefined, 'help.example.com', true],
    ['same-origin', 'null', 'help.example.com', true],
    ['same-site', undefined, 'help.example.com', false],
    ['cross-site', undefined, 'help.example.com', false],
    ['none', undefined, 'help.example.com', false],
    ['cross-site', 'https://help.example.com', 'help.example.com', false],
    // Without it, the Origin: ours, another host, or nothing to tell (our no-referrer pages send `null`).
    [undefined, 'https://help.example.com', 'help.example.com', true],
    [undefined, 'https://HELP.example.com', 'help.example.com', true],
    [undefined, 'http://127.0.0.1:8000', '127.0.0.1:8000', true],
    [undefined, 'http://127.0.0.1:9000', '127.0.0.1:8000', false],
    [undefined, 'https://evil.example', 'help.example.com', false],
    [undefined, 'not an origin', 'help.example.com', false],
    [undefined, 'null', 'help.example.com', true],
    [undefined, undefined, 'help.example.com', true],
  ])('Sec-Fetch-Site %j, Origin %j, Host %j → %j', (fetchSite, origin, host, expected) => {
    expect(mayShowFormAgain({ fetchSite, origin, host })).toBe(expected);
  });
});

describe('the page a form action belongs to (where the login comes back to)', () => {
  const pages = new Set(['/agents/tickets/6/', '/adminapp/settings/', '/admin/users/5/', '/adminapp/webhooks/3/', '/agents/dashboard/']);
  const isPage = (path: string) => pages.has(path);
  it.each([
    ['/agents/tickets/6/messages/', '/agents/tickets/6/'],
    ['/agents/tickets/6/close/undo/', '/agents/tickets/6/'],
    ['/adminapp/settings/', '/adminapp/settings/'],
    ['/admin/users/5/capacity/', '/admin/users/5/'],
    ['/adminapp/webhooks/3/deliveries/9/retry/', '/adminapp/webhooks/3/'],
    // Never a whole section, and nothing when no page is above the action.
    ['/agents/availability/', null],
    ['/agents/', null],
    ['/', null],
    ['//agents//tickets/6/messages/', '/agents/tickets/6/'],
  ])('%s → %j', (action, page) => {
    expect(pageOfAction(action, isPage)).toBe(page);
  });
});

describe('what an expired form says above it', () => {
  it.each([
    ['request', false, 'This form had expired, so nothing was sent. Check your request and send it again.'],
    ['message', true, 'This form had expired, so nothing was sent. Check your message and send it again. The files you chose are not kept: pick them again.'],
  ])('%s, files chosen: %j', (what, files, text) => {
    expect(expiredFormNotice(what, files)).toBe(text);
  });
});

describe('what a form refused by its rate limit says above it', () => {
  const wait = 'Too many new requests in a short time. Please wait 42 seconds, then try again.';
  it.each([
    ['request', false, `${wait} Nothing was sent: your request is kept below.`],
    ['message', true, `${wait} Nothing was sent: your message is kept below. The files you chose are not kept: pick them again.`],
  ])('%s, files chosen: %j', (what, files, text) => {
    expect(limitedFormNotice(wait, what, files)).toBe(text);
  });
});

describe('farTooLongMessage', () => {
  it.each([
    ['Your message', 10_000, 'Your message: at most 10,000 characters, and this one is far longer (only its start is kept below). Shorten it, or attach a long log as a file.'],
    ['Description', 500, 'Description: at most 500 characters, and this one is far longer (only its start is kept below). Shorten it, or attach a long log as a file.'],
  ])('%s, %i', (label, max, message) => {
    expect(farTooLongMessage(label, max)).toBe(message);
  });
});
