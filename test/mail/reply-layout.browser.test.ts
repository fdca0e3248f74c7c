/**
 * The HTML part of a reply email shows what the text part says, as a mail reader renders it
 * (Chromium): the spaces of indented lines, aligned columns and code are kept, not collapsed into
 * one by HTML's white-space rule. Sent through a real SMTP server; what it received is rendered.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postStaffMessage } from '../../src/services/conversation.js';
import { addStaff } from '../support/app.js';
import { launchBrowser } from '../support/browser.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { eachTestbedWithSmtp, ticketForm } from './support/testbed.js';

const CODE = ['Run this, then tell us what it prints:', '', '    $ helpdesk-agent --check', '    status:   ok', '', 'Name      Size', 'a.log     12 kB', '  two  spaces  between  words'];
const DESCRIPTION = ['My config:', '  server:', '    port:  8080'];

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser.close();
});

/** What a reader sees of the HTML part's elements matching `selector`: their rendered text, non-breaking spaces as spaces. */
async function rendered(html: string, selector: string): Promise<string[]> {
  const page = await browser.newPage();
  try {
    await page.setContent(html);
    return (await page.locator(selector).allInnerTexts()).map((text) => text.replace(/\u00a0/g, ' '));
  } finally {
    await page.close();
  }
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: the reply email's HTML part keeps the text's spaces`, () => {
    const t = eachTestbedWithSmtp(dialect);

    it('an indented reply, aligned columns and a quoted indented message read the same in both parts', async () => {
      const ticket = await intakeTicket(t.bed.ctx, ticketForm({ description: DESCRIPTION.join('\r\n') }));
      const root = await addStaff(t.bed.ctx, 'root', { role: 'admin' });
      await postStaffMessage(t.bed.ctx, { id: root, role: 'admin' }, ticket.id, { kind: 'reply', body: [...CODE, '\tA tabbed line'].join('\r\n'), close: false, seen: null, channel: 'web' });
      await t.bed.worker(t.smtp.url).runOnce();
      const email = t.smtp.received.find((e) => e.parsed.subject?.startsWith('Re: '))!;
      expect(email.parsed.text).toContain(CODE.join('\n'));

      const [reply] = await rendered(email.parsed.html || '', '.reply');
      const lines = reply!.split('\n');
      expect(lines.slice(0, CODE.length)).toEqual(CODE);
      // A tab is no run of spaces in the text part either: it is kept as indentation, not dropped.
      expect(lines[CODE.length]).toMatch(/^ {2,}A tabbed line$/);
      expect(await rendered(email.parsed.html || '', 'blockquote')).toEqual([DESCRIPTION.join('\n')]);
    });
  });
}
