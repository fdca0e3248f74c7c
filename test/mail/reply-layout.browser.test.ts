/**
 * The HTML part of a reply email shows what the text part says, as a mail reader renders it
 * (Chromium): the spaces of indented lines, aligned columns and code are kept, not collapsed into
 * one by HTML's white-space rule. Sent through a real SMTP server; what it received is rendered.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postStaffMessage } from '../../src/services/conversation.js';
import { addStaff } from '../support/app.js';
import { launchBrowser, PHONE } from '../support/browser.js';
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

/** How far the HTML part scrolls sideways on a phone (390 px wide): 0 when everything wraps. */
async function sidewaysScroll(html: string): Promise<number> {
  const page = await browser.newPage({ viewport: PHONE });
  try {
    await page.setContent(html);
    return await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  } finally {
    await page.close();
  }
}

const LONG_URL = `https://files.example.com/download?token=${'a1b2c3d4e5'.repeat(20)}&name=manual.pdf`;
const LONG_WORD = 'Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichenhersteller'.repeat(2);

for (const dialect of DIALECTS) {
  describe(`${dialect}: long URLs and words in emails wrap on a phone`, () => {
    const t = eachTestbedWithSmtp(dialect);

    it('a reply with a long URL, quoting a long word, under a long title, does not scroll sideways at 390 px; nor does its created email', async () => {
      const ticket = await intakeTicket(t.bed.ctx, ticketForm({ title: `Error ${LONG_WORD}`, description: `It says ${LONG_WORD}` }));
      const root = await addStaff(t.bed.ctx, 'root', { role: 'admin' });
      await postStaffMessage(t.bed.ctx, { id: root, role: 'admin' }, ticket.id, { kind: 'reply', body: `Download it here: ${LONG_URL}`, close: false, seen: null, channel: 'web' });
      await t.bed.worker(t.smtp.url).runOnce();
      expect(t.smtp.received).toHaveLength(2);
      for (const email of t.smtp.received) expect(await sidewaysScroll(email.parsed.html || ''), email.parsed.subject).toBe(0);
      const reply = t.smtp.received.find((e) => e.parsed.subject?.startsWith('Re: '))!;
      // Still all there, only wrapped.
      expect((await rendered(reply.parsed.html || '', '.reply'))[0]!.replace(/\s/g, '')).toBe(`Downloadithere:${LONG_URL}`);
    });
  });

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
