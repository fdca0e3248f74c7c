/**
 * A refused form says so in the page's title (the tab, and the first words a screen reader says on
 * the reloaded page), on every staff form: the settings, the register form, My account and a canned
 * reply's page once kept their plain title ("Settings") over the errors, unlike the team, topic,
 * calendar and webhook forms ("Check the team · New team") and the ticket's reply ("Not sent: …").
 * A page that saved keeps its plain title. Both engines, through the real routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCannedReply } from '../../src/services/cannedReplies.js';
import { adminClient } from '../admin/support.js';
import type { Client, TestApp } from '../support/app.js';
import { startTestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';

function titleOf(html: string): string | undefined {
  return /<title>([^<]*)<\/title>/.exec(html)?.[1];
}

for (const dialect of DIALECTS) {
  describe(`refused staff forms say so in their title (${dialect})`, () => {
    let t: TestApp;
    let client: Client;
    let canned: number;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      client = (await adminClient(t)).client;
      canned = await saveCannedReply(t.ctx, null, { name: 'Greeting', body: 'Hello.' }, null);
    });
    afterAll(() => t.close());

    const cases: [string, () => string, Record<string, string>, string, string][] = [
      ['settings', () => '/adminapp/settings/', { default_capacity: '-5' }, 'Settings · Helpdesk', 'Check the settings · Settings · Helpdesk'],
      ['register', () => '/adminapp/register/', { username: '', display_name: 'New', role: 'agent' }, 'Register staff · Helpdesk', 'Check the new account · Register staff · Helpdesk'],
      ['my account', () => '/agents/account/', { display_name: 'Root', password: 'short', password_confirm: 'short' }, 'My account · Helpdesk', 'Check the changes · My account · Helpdesk'],
      ['a canned reply', () => `/adminapp/replies/${canned}/`, { name: '', body: 'Hello.' }, 'Canned reply: Greeting · Helpdesk', 'Check the canned reply · Canned reply: Greeting · Helpdesk'],
    ];

    for (const [name, path, fields, plain, refused] of cases) {
      it(`${name}: the plain title, then "Check the …" over a refused send`, async () => {
        const page = await client.get(path());
        expect(page.statusCode).toBe(200);
        expect(titleOf(page.body)).toBe(plain);
        const response = await client.submit(path(), fields);
        expect(response.statusCode).toBe(400);
        expect(response.body).toContain('error-summary');
        expect(titleOf(response.body)).toBe(refused);
      });
    }
  });
}
