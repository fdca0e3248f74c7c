/**
 * One conversation (SPEC §9), end to end and live, in a real browser (Debian's Chromium through
 * playwright-core) against the real app on a real port: a customer writes in, agent Alice answers
 * from her ticket page while admin Bob looks in, the customer answers on the status page while
 * Alice is typing, Alice's held-back reply goes on the second try, an internal note stays internal,
 * a reply closes the request, and the customer's next message opens a follow-up Alice gets. No
 * page is reloaded where the change should arrive by itself.
 *
 * One dialect is enough here (SQLite): the same rules run on both engines over HTTP in
 * test/http/staff-ticket.test.ts and in the service tests of test/db/conversation.test.ts.
 *
 * Screenshots of every step, at desktop and phone width, go to the reviewer flow's folder
 * (test-results/reviewer-flow/40-conversation-*.png); each checked with axe-core at both widths.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffTicketPath } from '../../src/http/links.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { Cast, launchBrowser } from '../support/browser.js';

/** How long a live change may take to show: the status page looks every 5 s; generous for a loaded machine. */
const LIVE = { timeout: 15_000 };

const NOTE = 'INTERNAL-ONLY courier admitted losing it; refund code RF-7731';

/** Marks the page, so a later check can tell it was not reloaded meanwhile. */
const markUnreloaded = (page: Page) => page.evaluate(() => Object.assign(window, { unreloaded: true }));
const stillUnreloaded = (page: Page) => page.evaluate(() => (window as unknown as { unreloaded?: boolean }).unreloaded === true);

describe('a conversation in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let cast: Cast;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp('sqlite'), launchBrowser()]);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('the app is not listening on a TCP port');
    cast = new Cast(browser, `http://127.0.0.1:${address.port}`, 'reviewer-flow', LIVE.timeout);
    await addStaff(t.ctx, 'alice', { capacity: 3, displayName: 'Alice Agent' });
    await addStaff(t.ctx, 'bob', { role: 'admin', displayName: 'Bob Admin' });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function logIn(page: Page, username: string): Promise<void> {
    await page.goto('/agents/login/');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill('password123');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/(agents|adminapp)\/dashboard\/$/);
  }

  /**
   * Clicks the form's button, waits for the page that answers, and returns the status of the POST
   * itself (303 when followed to the page it leads to, else the refused page's own status).
   */
  async function send(page: Page, button: string): Promise<number> {
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: button, exact: true }).click()]);
    const post = response!.request().redirectedFrom() ?? response!.request();
    expect(post.method()).toBe('POST');
    return (await post.response())!.status();
  }

  const emailsOf = (ticketId: number) => t.ctx.handle.db.selectFrom('outbox').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();

  it('customer, Alice and Bob: viewers, a held-back reply, a note kept internal, reply and close, a follow-up', () => cast.photographedOnFailure(async () => {
    // --- 1. Alice is at work; a customer writes in and the ticket appears on her dashboard, waiting on her.
    const alice = await cast.person();
    await logIn(alice, 'alice');
    await markUnreloaded(alice);

    const customer = await cast.person();
    await customer.goto('/tickets/create/');
    await customer.getByLabel('Your name').fill('Carla Customer');
    await customer.getByLabel('Your email').fill('carla@example.com');
    await customer.getByLabel('Subject').fill('Parcel never arrived');
    await customer.getByLabel('Description').fill('Order 5521 was marked delivered on Monday, but nothing came.');
    await customer.getByRole('button', { name: 'Send request' }).click();
    await customer.waitForURL(/\/tickets\/createsuccess\//);
    expect(await customer.locator('.reference').textContent()).toBe('HD-1');
    expect(await customer.locator('.agent-name').textContent()).toBe('Alice Agent');
    await customer.getByRole('link', { name: 'Follow request HD-1' }).click();
    await customer.waitForURL(/\/tickets\/status\/[^/]+\/$/);
    const statusUrl = customer.url();

    const row = alice.locator('#open-tickets tr[data-ticket="HD-1"]');
    await row.waitFor();
    expect(await stillUnreloaded(alice)).toBe(true);
    expect(await row.getAttribute('data-waiting-on')).toBe('agent');
    expect(await row.locator('.badge.waiting-agent').textContent()).toBe('Your turn: waiting on you');
    expect(await alice.locator('#open-summary').textContent()).toContain('1 waiting on you');
    await cast.look(alice, '40 conversation alice dashboard waiting on her');

    await row.getByRole('link', { name: /HD-1/ }).click();
    await alice.waitForURL(`**${staffTicketPath(1)}`);
    expect(await alice.locator('h1').textContent()).toBe('HD-1: Parcel never arrived');
    expect(await alice.locator('#thread article').first().textContent()).toContain('Order 5521 was marked delivered');
    await cast.look(alice, '41 conversation alice opens the ticket');

    // --- 2. Bob opens the same ticket: each sees the other under the title, live; Bob leaves, his name goes.
    const bob = await cast.person();
    await logIn(bob, 'bob');
    await bob.goto(staffTicketPath(1));
    const aliceViewers = alice.locator('#viewers p');
    await expect.poll(() => aliceViewers.textContent(), LIVE).toBe('Also viewing: Bob Admin');
    await expect.poll(() => bob.locator('#viewers p').textContent(), LIVE).toBe('Also viewing: Alice Agent');
    await cast.look(alice, '42 conversation alice sees bob viewing');
    await cast.look(bob, '42 conversation bob sees alice viewing');
    await bob.close();
    await aliceViewers.waitFor({ state: 'detached' });

    // --- 3. Alice drafts; the customer answers meanwhile; the answer arrives on Alice's page, her draft untouched.
    await markUnreloaded(alice);
    const draft = 'Hello Carla, I have asked the courier.\nThey will call you';
    await alice.getByLabel('Message').fill(draft);
    await customer.getByLabel('Your message').fill('The neighbours have not got it either.');
    expect(await send(customer, 'Send message')).toBe(303);
    expect(await customer.locator('[data-flash=success]').textContent()).toContain('Your message is added');
    await markUnreloaded(customer);

    const fresh = alice.locator('#thread article.message-new');
    await fresh.waitFor();
    expect(await fresh.count()).toBe(1);
    expect(await fresh.textContent()).toContain('The neighbours have not got it either.');
    expect(await fresh.locator('.new-since').textContent()).toBe('New');
    expect(await alice.locator('#thread-news p').textContent()).toBe('1 new message in the conversation above.');
    expect(await alice.getByLabel('Message').inputValue()).toBe(draft);
    expect(await stillUnreloaded(alice)).toBe(true);
    await cast.look(alice, '43 conversation customer answer arrives while alice drafts');

    // Her send still carries the `seen` of what she had read: held back (409), draft kept, told why.
    expect(await send(alice, 'Send')).toBe(409);
    expect(await alice.locator('#reply-notice').textContent()).toContain('wrote since you opened this ticket');
    expect(await alice.getByLabel('Message').inputValue()).toBe(draft);
    expect(await alice.locator('#thread article.message-new').textContent()).toContain('The neighbours have not got it either.');
    await cast.look(alice, '44 conversation alice reply held back');

    // Sending again confirms.
    expect(await send(alice, 'Send')).toBe(303);
    expect(await alice.locator('[data-flash]').textContent()).toContain('Reply sent to the customer of HD-1.');
    expect(await alice.locator('#thread article').last().textContent()).toContain('They will call you');

    // --- 4. The customer's open page shows the reply by itself, signed by Alice.
    const lastOnStatus = customer.locator('.public-thread li:last-child');
    await expect.poll(() => lastOnStatus.textContent(), LIVE).toContain('They will call you');
    expect(await lastOnStatus.locator('.message-author').textContent()).toBe('Alice Agent');
    expect(await customer.locator('#status-news').textContent()).toBe('New reply from Alice Agent');
    expect(await customer.locator('.waiting-on').textContent()).toBe('Waiting for your answer');
    expect(await stillUnreloaded(customer)).toBe(true);
    await cast.look(customer, '45 conversation customer sees alice reply live');

    await alice.getByLabel('Internal note (staff only, never sent)').check();
    await alice.getByLabel('Message').fill(NOTE);
    expect(await send(alice, 'Send')).toBe(303);
    expect(await alice.locator('[data-flash]').textContent()).toContain('Note added to HD-1. The customer does not see it.');
    expect(await alice.locator('#thread article.message-note').last().textContent()).toContain(NOTE);
    await cast.look(alice, '46 conversation alice adds an internal note');

    // --- 5. Reply and close in one go: the customer's open page turns closed by itself.
    await alice.getByLabel('Message').fill('The refund is on its way. I am closing this request; write back any time.');
    await alice.getByLabel(/Reply and close/).check();
    expect(await send(alice, 'Send')).toBe(303);
    expect(await alice.locator('[data-flash]').textContent()).toContain('Reply sent and HD-1 closed. The customer gets one email.');
    await cast.look(alice, '47 conversation alice replied and closed');

    await expect.poll(() => customer.locator('.badges').textContent(), LIVE).toContain('Closed');
    expect(await lastOnStatus.textContent()).toContain('The refund is on its way.');
    // The whole form says the request is closed, its heading too, not only the note under it.
    expect(await customer.locator('#reply-title').textContent()).toBe('Write to us again');
    expect(await customer.locator('.reply-note').textContent()).toContain('Re: Parcel never arrived');
    expect(await stillUnreloaded(customer)).toBe(true);
    // The page refreshed after the note was written, and never shows it; nor does a fresh copy.
    expect(await customer.content()).not.toContain(NOTE);
    expect(await (await customer.request.get(statusUrl)).text()).not.toContain(NOTE);
    await cast.look(customer, '48 conversation customer sees the request closed');

    // The customer writes again: a follow-up opens, and Alice (room, nobody waiting) gets it on her dashboard live.
    await alice.goto('/agents/dashboard/');
    await markUnreloaded(alice);
    await customer.getByLabel('Your message').fill('The parcel came today after all, but it is damaged.');
    expect(await send(customer, 'Send message')).toBe(303);
    expect(await customer.locator('h1').textContent()).toContain('Re: Parcel never arrived');
    expect(await customer.locator('.follows-up').textContent()).toContain('HD-1');
    expect(await customer.locator('.agent-name').textContent()).toBe('Alice Agent');
    await cast.look(customer, '49 conversation customer follow-up');

    const followUp = alice.locator('#open-tickets tr[data-ticket="HD-2"]');
    await followUp.waitFor();
    expect(await followUp.textContent()).toContain('Re: Parcel never arrived');
    expect(await followUp.getAttribute('data-waiting-on')).toBe('agent');
    expect(await stillUnreloaded(alice)).toBe(true);
    await cast.look(alice, '50 conversation alice gets the follow-up live');

    // --- The emails: one per reply, none for the note, the reply-and-close one email.
    const first = await emailsOf(1);
    const replies = first.filter((e) => e.kind === 'reply');
    expect(replies.map((e) => e.subject)).toEqual(['Re: [HD-1] Parcel never arrived', 'Re: [HD-1] Parcel never arrived']);
    expect(replies[0]!.text_body).toContain('They will call you');
    expect(replies[1]!.text_body).toContain('The refund is on its way.');
    expect(first.filter((e) => e.kind === 'closed')).toEqual([]);
    expect(first.every((e) => e.to_address === 'carla@example.com')).toBe(true);
    expect(first.some((e) => e.text_body.includes(NOTE) || e.html_body.includes(NOTE))).toBe(false);
    const second = await emailsOf(2);
    expect(second.map((e) => e.kind)).toContain('created');
    expect(second.find((e) => e.kind === 'created')!.text_body).toContain('HD-1');
    // One whole conversation, with three waits for the status page's 5 s refresh and 24 axe runs:
    // about 75 s alone; the cap is against hangs on a shared machine, not a performance target.
  }), 240_000);
});
