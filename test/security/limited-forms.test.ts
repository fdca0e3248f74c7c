/**
 * The customer's two forms over their rate limit (README, Abuse): the refusal is a 429 with
 * Retry-After that writes nothing, and the form comes back with what the customer typed and the
 * wait in words, so a long description or message is not lost to an error page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { Client, startTestApp, submitViaForm, type TestApp } from '../support/app.js';
import { counts } from '../support/snapshot.js';

const minute = 60_000;
const LONG = 'Line one of a long story.\nIt goes on & on <for> a while.';

for (const dialect of DIALECTS) {
  describe(`the customer's forms over their rate limit (${dialect})`, () => {
    let t: TestApp;
    const db = () => t.ctx.handle.db;
    const messages = async () => Number((await db().selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    beforeAll(async () => {
      t = await startTestApp(dialect, { config: { rateLimit: true, rateLimits: { loginPerAddress: { max: 5, windowMs: minute }, loginPerUsername: { max: 5, windowMs: minute }, ticketsPerAddress: { max: 1, windowMs: minute } } } });
    });
    afterAll(() => t.close());

    it('gives the ticket form back filled in, with the wait, writing nothing', async () => {
      const client = new Client(t.app, { remoteAddress: '10.9.0.1' });
      await submitViaForm(client);
      const before = await counts(db());
      const limited = await client.submit('/tickets/create/', { name: 'Carla', email: 'carla@example.com', title: 'Second thing', description: LONG, priority: 'high' });
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.body).toMatch(/role="alert"[^>]*>Too many new requests in a short time\. Please wait \d+ seconds, then try again\. Nothing was sent: your request is kept below\./);
      expect(limited.body).toContain('value="Carla"');
      expect(limited.body).toContain('value="Second thing"');
      expect(limited.body).toContain('It goes on &amp; on &lt;for> a while.');
      expect(limited.body).toMatch(/<option[^>]*value="high"[^>]*selected/);
      expect(await counts(db())).toEqual(before);
    });

    it('gives the reply form back with the message kept, writing nothing', async () => {
      const client = new Client(t.app, { remoteAddress: '10.9.0.2' });
      const token = await submitViaForm(client);
      const before = [await counts(db()), await messages()];
      const limited = await client.submit(`/tickets/status/${token}/`, { body: LONG }, `/tickets/status/${token}/reply/`);
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.body).toMatch(/Too many new requests in a short time\. Please wait \d+ seconds, then try again\. Nothing was sent: your message is kept below\./);
      expect(limited.body).toContain('It goes on &amp; on &lt;for> a while.');
      expect([await counts(db()), await messages()]).toEqual(before);
    });
  });
}
