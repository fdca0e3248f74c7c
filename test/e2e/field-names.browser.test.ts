/**
 * A field's accessible name is its label alone; its hint and its error describe it
 * (aria-describedby). Each field's label element wraps the field and its notes, so the name the
 * browser computed from it once carried the hint and the error too: a screen reader said the Message
 * box's error twice ("Message Message: write a message., edit text, Message: write a message."), and
 * a voice-control user had to speak the whole hint to reach a field. Read from Chromium's
 * accessibility tree (getByRole with the exact name), on the staff ticket page (before and after a
 * refused send) and the admin's register form.
 *
 * One dialect is enough here (SQLite): the names come from the markup alone.
 */
import { describe, expect, it } from 'vitest';
import { staffTicketPath } from '../../src/http/links.js';
import { reassignTicket } from '../../src/services/admin.js';
import { saveCannedReply } from '../../src/services/cannedReplies.js';
import { adminBrowserSuite } from '../admin/browser-support.js';
import { newTicket } from '../admin/support.js';
import { addStaff } from '../support/app.js';

const CLOSE_BOX = 'Reply and close the ticket (the customer gets one email)';

describe('field names are their labels alone', () => {
  let ticket = 0;
  const suite = adminBrowserSuite('field-names', async (t) => {
    await addStaff(t.ctx, 'ana', { capacity: 5 });
    const root = (await t.ctx.handle.db.selectFrom('users').select('id').where('username', '=', 'root').executeTakeFirstOrThrow()).id;
    ticket = await newTicket(t.ctx);
    await reassignTicket(t.ctx, root, ticket, 'ana');
    await saveCannedReply(t.ctx, null, { name: 'Restart', body: 'Please restart it.' }, null);
  });

  it('the reply form: Message, Canned reply and Attachments, with their hint and then their error as the description', async () => {
    const page = await suite.cast.loggedIn('ana', /\/agents\/dashboard\/$/);
    await page.goto(staffTicketPath(ticket));
    const message = page.getByRole('textbox', { name: 'Message', exact: true });
    expect(await message.count()).toBe(1);
    expect(await page.getByRole('combobox', { name: 'Canned reply', exact: true }).count()).toBe(1);
    expect(await page.getByLabel('Attachments (optional)', { exact: true }).count()).toBe(1);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#body-error').waitFor();
    expect(await message.count()).toBe(1);
    expect(await message.getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.getElementById(document.getElementById('body')!.getAttribute('aria-describedby')!)?.textContent)).toBe('Message: write a message.');
  });

  it('the close box: named by its words alone, described by its error', async () => {
    const page = await suite.cast.loggedIn('ana', /\/agents\/dashboard\/$/);
    await page.goto(staffTicketPath(ticket));
    const close = page.getByRole('checkbox', { name: CLOSE_BOX, exact: true });
    expect(await close.count()).toBe(1);
    await page.getByLabel('Internal note (staff only, never sent)').check();
    await close.check();
    await page.getByLabel('Message', { exact: true }).fill('Closing as a note.');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#close-error').waitFor();
    expect(await close.count()).toBe(1);
    expect(await close.getAttribute('aria-describedby')).toBe('close-error');
    expect(await page.locator('#close-error').textContent()).toBe('Reply and close: only a reply can close the ticket.');
  });

  it('the register form: each field named by its label alone', async () => {
    const page = await suite.cast.loggedIn('root', /\/adminapp\/dashboard\/$/);
    await page.goto('/adminapp/register/');
    for (const name of ['Username', 'Display name', 'Email']) expect(await page.getByRole('textbox', { name, exact: true }).count(), name).toBe(1);
    expect(await page.getByRole('combobox', { name: 'Role', exact: true }).count()).toBe(1);
  });
});
