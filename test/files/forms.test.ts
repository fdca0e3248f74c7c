/**
 * Multipart forms look like any other form to the app (§10.1): CSRF is enforced on them, their
 * text fields reach the route, and the NUL check sees them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { countRows } from './counts.js';
import { multipart, postMultipart, ticketFields } from './support.js';

describe.each(DIALECTS)('multipart forms on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses a multipart POST without _csrf (403) and writes nothing', async () => {
    const client = new Client(t.app);
    await client.get('/tickets/create/');
    const before = await countRows(t.ctx);
    const response = await postMultipart(client, '/tickets/create/', ticketFields());
    expect(response.statusCode).toBe(403);
    expect(await countRows(t.ctx)).toEqual(before);
  });

  it('refuses a multipart POST with a wrong _csrf (403)', async () => {
    const client = new Client(t.app);
    await client.get('/tickets/create/');
    const response = await postMultipart(client, '/tickets/create/', ticketFields({ _csrf: 'not-the-token' }));
    expect(response.statusCode).toBe(403);
  });

  it('takes a multipart POST with its _csrf, whichever place the token has among the parts', async () => {
    const client = new Client(t.app);
    const csrf = csrfFrom((await client.get('/tickets/create/')).body);
    const first = await postMultipart(client, '/tickets/create/', { _csrf: csrf, ...ticketFields() });
    expect(first.statusCode).toBe(303);
    const last = await postMultipart(client, '/tickets/create/', { ...ticketFields(), _csrf: csrf }, [{ filename: 'a.txt', content: 'hello' }]);
    expect(last.statusCode).toBe(303);
  });

  it('refuses a token sent after the files (403), nothing stored: the token must come before them', async () => {
    const client = new Client(t.app);
    const csrf = csrfFrom((await client.get('/tickets/create/')).body);
    const before = await countRows(t.ctx);
    const response = await postMultipart(client, '/tickets/create/', ticketFields(), [{ filename: 'a.txt', content: 'hello' }], { _csrf: csrf });
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain('pick them again');
    expect(await countRows(t.ctx)).toEqual(before);
  });

  it('a page that takes no files says so (415) without reading the form, and writes nothing', async () => {
    const client = new Client(t.app);
    const csrf = csrfFrom((await client.get('/agents/login/')).body);
    const before = await countRows(t.ctx);
    const page = await postMultipart(client, '/agents/login/', { _csrf: csrf, username: 'x', password: 'y' });
    expect(page.statusCode).toBe(415);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('This address takes no files');
    const api = await postMultipart(client, '/api/v1/tickets', ticketFields());
    expect(api.statusCode).toBe(415);
    expect(api.json()).toEqual({ error: { code: 'unsupported_media_type', message: expect.any(String) } });
    expect(await countRows(t.ctx)).toEqual(before);
  });

  it('refuses a NUL in a multipart text field (400) like in any form', async () => {
    const client = new Client(t.app);
    const csrf = csrfFrom((await client.get('/tickets/create/')).body);
    const before = await countRows(t.ctx);
    const response = await postMultipart(client, '/tickets/create/', { _csrf: csrf, ...ticketFields({ title: 'a\u0000b' }) });
    expect(response.statusCode).toBe(400);
    expect(await countRows(t.ctx)).toEqual(before);
  });

  it('refuses a cut-off multipart body with a 400 (not a 500) and writes nothing', async () => {
    const client = new Client(t.app);
    const csrf = csrfFrom((await client.get('/tickets/create/')).body);
    const before = await countRows(t.ctx);
    const { body, contentType } = multipart({ _csrf: csrf, ...ticketFields() });
    const cut = body.subarray(0, body.length - 30);
    const response = await client.request({ method: 'POST', url: '/tickets/create/', payload: cut, headers: { 'content-type': contentType } });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('could not be read');
    expect(await countRows(t.ctx)).toEqual(before);
  });

  it('refuses a text field longer than the form limit with a 413', async () => {
    const client = new Client(t.app);
    const csrf = csrfFrom((await client.get('/tickets/create/')).body);
    const before = await countRows(t.ctx);
    const response = await postMultipart(client, '/tickets/create/', { _csrf: csrf, ...ticketFields({ description: 'x'.repeat(300 * 1024) }) });
    expect(response.statusCode).toBe(413);
    expect(await countRows(t.ctx)).toEqual(before);
  });
});
