/**
 * The settings form's boxes (pause while waiting, release on logout) take `on` (ticked) or `off`
 * / empty (unticked; scripts may say true/1 or false/0): any other value (`yes`, `maybe`) is a 400
 * by the box, nothing saved, instead of being read as unticked. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, saveSettings } from '../../src/repositories/settings.js';
import { type Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { pageForm } from '../support/pageForm.js';
import { adminClient, visibleText } from './support.js';

const PAGE = '/adminapp/settings/';

for (const dialect of DIALECTS) {
  describe(`settings boxes with a value that is neither on nor off (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = (await adminClient(t)).client;
      await saveSettings(t.ctx.handle.db, { ...(await loadSettings(t.ctx.handle.db)), pauseWhileWaiting: true, releaseOnLogout: true });
    });
    afterAll(() => t.close());

    for (const [field, label] of [
      ['release_on_logout', 'Release tickets when an agent leaves'],
      ['pause_while_waiting', 'Pause the resolution clock while waiting on the customer'],
    ] as const) {
      for (const withShown of [true, false]) {
        it(`${field}=yes ${withShown ? 'from the page' : 'from a script (no _shown)'}: 400 by the box, nothing saved`, async () => {
          const before = await loadSettings(t.ctx.handle.db);
          const form = pageForm((await admin.get(PAGE)).body, PAGE);
          if (!withShown) delete form._shown;
          const response = await admin.post(PAGE, { ...form, [field]: 'yes' });
          expect(response.statusCode).toBe(400);
          expect(response.body).toMatch(new RegExp(`id="${field}-error"[^>]*>${label}: tick the box or leave it unticked`));
          expect(visibleText(response)).toContain(label);
          expect(await loadSettings(t.ctx.handle.db)).toEqual(before);
        });
      }
    }

    it('on, off, empty, true and false still save as before', async () => {
      for (const [value, expected] of [['off', false], ['on', true], ['', false], ['true', true], ['false', false]] as const) {
        const form = pageForm((await admin.get(PAGE)).body, PAGE);
        delete form._shown;
        const response = await admin.post(PAGE, { ...form, release_on_logout: value });
        expect(response.statusCode, value).toBe(303);
        expect((await loadSettings(t.ctx.handle.db)).releaseOnLogout, value).toBe(expected);
      }
    });
  });
}
