/**
 * The agent dashboard marks each SLA warning given (README, SLA: "the dashboard marks the ticket,
 * once per clock"): the resolution clock's, and the first-response and next-reply clocks' too,
 * through the real monitor on both engines with a clock the test moves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { SlaMonitor } from '../../src/jobs/slaMonitor.js';
import { saveSettings } from '../../src/repositories/settings.js';
import { postCustomerMessageOn, postStaffMessage } from '../../src/services/conversation.js';
import { agentClient, newTicket, visibleText } from '../admin/support.js';
import { addStaff, type Client, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';

const S = 1000;

/** The visible text of the dashboard row of ticket `id`. */
async function rowText(client: Client, id: number): Promise<string> {
  const page = await client.get('/agents/dashboard/');
  expect(page.statusCode).toBe(200);
  const row = new RegExp(`<tr[^>]*data-ticket="HD-${id}"[^>]*>([\\s\\S]*?)</tr>`).exec(page.body);
  if (!row) throw new Error(`no row for HD-${id}`);
  return visibleText({ ...page, body: row[1]! } as typeof page);
}

for (const dialect of DIALECTS) {
  describe(`the agent dashboard marks SLA warnings (${dialect})`, () => {
    let t: TestApp;
    let alice: Client;
    let aliceId: number;
    const clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));
    const monitor = () => new SlaMonitor(t.ctx).runOnce();

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      aliceId = await addStaff(t.ctx, 'alice');
      alice = await agentClient(t, 'alice');
      // Resolution 1 h; first response 60 s and next reply 40 s; warnings at half the time.
      await saveSettings(t.ctx.handle.db, { ...DEFAULT_SETTINGS, sla: { high: 3600, medium: 3600, low: 3600 }, firstResponse: { high: 60, medium: null, low: null }, nextReply: { high: 40, medium: null, low: null }, warnAtPercent: 50 });
    });
    afterAll(() => t.close());

    it('marks a first-response warning, then a next-reply warning, once given', async () => {
      const id = await newTicket(t.ctx, { priority: 'high' });
      clock.advance(29 * S);
      await monitor();
      expect(await rowText(alice, id)).not.toMatch(/warning/i);
      clock.advance(2 * S);
      await monitor();
      expect(await rowText(alice, id)).toMatch(/First response: 29 s left SLA warning/);

      await postStaffMessage(t.ctx, { id: aliceId, role: 'agent' }, id, { kind: 'reply', body: 'On it.', close: false, seen: null, channel: 'web' });
      await postCustomerMessageOn(t.ctx, id, { body: 'Still broken.', channel: 'web' });
      expect(await rowText(alice, id)).not.toMatch(/warning/i);
      clock.advance(21 * S);
      await monitor();
      expect(await rowText(alice, id)).toMatch(/Next reply: 19 s left SLA warning/);
    });
  });
}
