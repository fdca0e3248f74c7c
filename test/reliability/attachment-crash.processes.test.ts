/**
 * Files and crashes (§10.1 with I5): a real server process takes customers' forms with files while
 * it is killed with SIGKILL (no shutdown at all), and is started again on the same database. Right
 * after each kill, before any restart repairs anything: every request acknowledged (303) has its
 * ticket with exactly the files sent, byte for byte; and the file store holds nothing left behind
 * (a content no attachment names) and misses nothing (an attachment whose content is gone). A
 * file is written in the transaction of its message, so a form cut off by the kill leaves nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../src/db/connect.js';
import { DIALECTS } from '../support/db.js';
import { type BlankDatabase, blankDatabase, HttpClient, sleep } from '../support/load.js';
import { type ServerProcess, spawnServer } from '../support/process.js';

const KILLS = 2;
const CUSTOMERS = 4;
/** The same terms on every form: one stored content under many names, written by many transactions at once. */
const TERMS = Buffer.from('%PDF-1.4\n% the same signed terms on every request\n%%EOF\n');

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface Sent {
  token: string;
  files: { filename: string; sha256: string }[];
}

/** One customer sending forms with files until stopped; acknowledged ones go to `sent`. */
async function customer(url: string, n: number, stop: () => boolean, sent: Sent[]): Promise<void> {
  for (let i = 0; !stop(); i++) {
    // A few hundred kB of its own, so a transaction is still writing when the kill comes.
    const own = randomBytes(200_000 + Math.floor(Math.random() * 200_000));
    const files = [
      { filename: `log-${n}-${i}.bin`, bytes: own },
      { filename: 'terms.pdf', bytes: TERMS },
    ];
    try {
      const client = new HttpClient(url);
      const form = new FormData();
      form.set('_csrf', await client.csrf());
      for (const [name, value] of Object.entries({ name: 'Carla', email: `carla${n}@example.com`, title: `Form ${n}-${i}`, description: 'Files attached.', priority: 'low' })) form.set(name, value);
      for (const file of files) form.append('attachments', new Blob([file.bytes], { type: 'application/octet-stream' }), file.filename);
      const response = await client.request('POST', '/tickets/create/', { multipart: form }, 10_000);
      if (response.status !== 303) throw new Error(`the form answered ${response.status}`);
      const token = decodeURIComponent(new URL(response.location!, url).searchParams.get('t')!);
      sent.push({ token, files: files.map((f) => ({ filename: f.filename, sha256: sha256(f.bytes) })) });
    } catch (error) {
      // The server died under this request (no answer): it may or may not have been committed.
      if (error instanceof Error && /answered/.test(error.message)) throw error;
      await sleep(50);
    }
  }
}

/** Every way the database breaks the guarantees, as lines (empty when all hold). */
async function fileProblems(handle: DbHandle, sent: readonly Sent[]): Promise<string[]> {
  const problems: string[] = [];
  for (const form of sent) {
    const stored = await handle.db
      .selectFrom('attachments as a')
      .innerJoin('tickets as t', 't.id', 'a.ticket_id')
      .select(['a.filename', 'a.file_sha256 as sha256'])
      .where('t.token', '=', form.token)
      .orderBy('a.id')
      .execute();
    if (JSON.stringify(stored) !== JSON.stringify(form.files)) problems.push(`${form.token}: acknowledged with ${JSON.stringify(form.files)}, stored ${JSON.stringify(stored)}`);
  }
  const leftBehind = await handle.db.selectFrom('files as f').select('f.sha256').where(({ not, exists, selectFrom }) => not(exists(selectFrom('attachments as a').select('a.id').whereRef('a.file_sha256', '=', 'f.sha256')))).execute();
  for (const row of leftBehind) problems.push(`file ${row.sha256} is named by no attachment`);
  const missing = await handle.db.selectFrom('attachments as a').leftJoin('files as f', 'f.sha256', 'a.file_sha256').select('a.id').where('f.sha256', 'is', null).execute();
  for (const row of missing) problems.push(`attachment ${row.id} has no stored content`);
  const wrong = await handle.db
    .selectFrom('files')
    .select('sha256')
    .where(sql<boolean>`length(content) <> size`)
    .execute();
  for (const row of wrong) problems.push(`file ${row.sha256}: its size is not its length`);
  return problems;
}

for (const dialect of DIALECTS) {
  describe(`forms with files while the server is killed (${dialect})`, () => {
    let database: BlankDatabase | undefined;
    let server: ServerProcess | undefined;
    afterAll(async () => {
      await server?.kill('SIGKILL');
      await database?.drop();
    });

    it('every acknowledged form has exactly its files, and the store holds nothing left behind, at every kill', async () => {
      database = await blankDatabase(dialect);
      const env = { DATABASE_URL: database.url, ADMIN_PASSWORD: 'admin-password', RATE_LIMIT: 'off' };
      const sent: Sent[] = [];
      let port: number | undefined;
      for (let kill = 0; kill < KILLS; kill++) {
        server = await spawnServer(env, port === undefined ? {} : { port });
        port = server.port;
        let stopped = false;
        const acknowledgedBefore = sent.length;
        const customers = Promise.all(Array.from({ length: CUSTOMERS }, (_, n) => customer(server!.url, n, () => stopped, sent)));
        // Killed once forms are flowing, mid-write of some of them.
        const deadline = Date.now() + 60_000;
        while (sent.length < acknowledgedBefore + 6 && Date.now() < deadline) await sleep(20);
        await sleep(Math.floor(Math.random() * 150));
        await server.kill('SIGKILL');
        stopped = true;
        await customers;
        expect(sent.length).toBeGreaterThan(acknowledgedBefore);
        expect(await fileProblems(database.open(), sent)).toEqual([]);
      }
      // One content, stored once, under every form's name.
      const terms = await database.open().db.selectFrom('attachments').select('id').where('file_sha256', '=', sha256(TERMS)).execute();
      expect(terms.length).toBeGreaterThanOrEqual(sent.length);
    }, 180_000);
  });
}
