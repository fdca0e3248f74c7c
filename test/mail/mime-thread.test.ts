/**
 * The parse thread (src/mail/inbound/mimeThread.ts): mail is read off the main thread exactly as
 * parse.ts reads it, and every mail gets an answer, never a hang: a thread that cannot start
 * leaves the reading to the main thread; a mail that hangs its thread is given up after the
 * timeout and the thread replaced; a thread that dies is replaced, the mail it was reading read
 * again once and given up if it kills the next thread too; the mails waiting behind are read by
 * the new thread. A mail given up on is recorded `rejected` with the reason, on both engines.
 * The misbehaving threads are real worker threads (test/mail/support/misbehavingMimeWorker.mjs).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MimeThread, type ReadMail } from '../../src/mail/inbound/mimeThread.js';
import { readMail } from '../../src/mail/inbound/parse.js';
import { findInboundMail } from '../../src/repositories/inbound.js';
import type { ServiceContext } from '../../src/services/context.js';
import { DEFAULT_INBOUND_SETTING, ingestMail } from '../../src/services/inbound.js';
import { TicketIntake } from '../../src/services/intake.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { customerMail } from './support/customer-mail.js';
import { newMessageId } from './support/raw-mail.js';

const MISBEHAVING = new URL('./support/misbehavingMimeWorker.mjs', import.meta.url);

const mail = (n: number, test?: 'hang' | 'die') =>
  customerMail({
    from: `Customer ${n} <c${n}@customer.example>`,
    subject: `Mail ${n} — naïve café`,
    messageId: newMessageId(),
    text: `Body ${n}.`,
    files: [{ filename: `n${n}.pdf`, contentType: 'application/pdf', content: Buffer.from([0, 1, 2, n]) }],
    ...(test ? { headers: { 'X-Test': test } } : {}),
  });

/** What the thread read, as the main thread would compare it. */
function mailOf(read: ReadMail) {
  if (!('mail' in read)) throw new Error(`expected a mail, got: ${read.failure}`);
  return read.mail;
}

describe('the parse thread', () => {
  const threads: MimeThread[] = [];
  const events: string[] = [];
  const thread = (options: ConstructorParameters<typeof MimeThread>[0] = {}) => {
    const made = new MimeThread({ onEvent: (message) => events.push(message), ...options });
    threads.push(made);
    return made;
  };
  afterEach(async () => {
    await Promise.all(threads.splice(0).map((t) => t.close()));
    events.length = 0;
  });

  it('reads mail as parse.ts reads it on the main thread, files as Buffers, replies without their quote, many at once, in order', async () => {
    const reader = thread();
    const reply = (n: number) =>
      customerMail({ from: `c${n}@customer.example`, subject: `Re: [HD-${n}] Mail`, messageId: newMessageId(), inReplyTo: '<first.1@mail.customer.example>', text: `Thanks ${n}.\n\nOn Tue, Carla wrote:\n> the question` });
    const raws = Array.from({ length: 30 }, (_, n) => (n % 3 === 0 ? reply(n) : mail(n)));
    const reads = await Promise.all(raws.map((raw) => reader.read(raw)));
    expect(reader.fallback).toBe(false);
    for (const [n, read] of reads.entries()) {
      const got = mailOf(read);
      expect(got).toEqual(await readMail(raws[n]!));
      if (n % 3 === 0) expect(got.reply).toBe(`Thanks ${n}.`);
      else expect(Buffer.isBuffer(got.files[0]!.content) && got.reply === undefined).toBe(true);
    }
    expect(events).toEqual([]);
  });

  it('a thread that cannot start: mail is read on the main thread, nothing waits', async () => {
    const reader = thread({ workerUrl: new URL('./support/no-such-worker.mjs', import.meta.url) });
    const raws = [mail(1), mail(2)];
    const reads = await Promise.all(raws.map((raw) => reader.read(raw)));
    expect(reads.map(mailOf).map((m) => m.subject)).toEqual(['Mail 1 — naïve café', 'Mail 2 — naïve café']);
    expect(reader.fallback).toBe(true);
    expect(events.join('\n')).toContain('could not start');
    expect(mailOf(await reader.read(mail(3))).subject).toBe('Mail 3 — naïve café');
  });

  it('a mail that hangs the thread is given up after the timeout; the mails behind it are read by a new thread', async () => {
    // 15 s: each thread's first mail loads the parser (the first thread's, and the new one's for the
    // mails behind the hanging one); on two cores shared with a full CI run (load 12) that took over
    // 3 s once, and at a load of 30 the first mail took longer than 6 s.
    const reader = thread({ workerUrl: MISBEHAVING, timeoutMs: 15_000 });
    const reads = await Promise.all([reader.read(mail(1)), reader.read(mail(2, 'hang')), reader.read(mail(3)), reader.read(mail(4))]);
    expect(mailOf(reads[0]!).subject).toBe('Mail 1 — naïve café');
    expect(reads[1]).toEqual({ failure: 'Unreadable: reading it took longer than 15 s.' });
    expect(reads.slice(2).map(mailOf).map((m) => m.subject)).toEqual(['Mail 3 — naïve café', 'Mail 4 — naïve café']);
    expect(events).toEqual(['a mail took longer than 15000 ms to read: the thread is replaced']);
    expect(reader.fallback).toBe(false);
  });

  it('a thread that dies is replaced; its mail is tried once more, then given up; the others are read', async () => {
    const reader = thread({ workerUrl: MISBEHAVING });
    const reads = await Promise.all([reader.read(mail(1)), reader.read(mail(2, 'die')), reader.read(mail(3))]);
    expect(mailOf(reads[0]!).subject).toBe('Mail 1 — naïve café');
    expect(reads[1]).toEqual({ failure: 'Unreadable: reading it stopped the mail parser.' });
    expect(mailOf(reads[2]!).subject).toBe('Mail 3 — naïve café');
    expect(events).toEqual(['the thread exited with code 3 while reading: a new one takes over', 'the thread exited with code 3 while reading: a new one takes over']);
    // The thread after is a working one.
    expect(mailOf(await reader.read(mail(4))).subject).toBe('Mail 4 — naïve café');
  });
});

for (const dialect of DIALECTS) {
  describe(`a mail the parse thread gives up on (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let reader: MimeThread;
    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = { handle: database.handle, clock: new FakeClock(), publicUrl: 'https://help.example.com' };
      reader = new MimeThread({ workerUrl: MISBEHAVING, timeoutMs: 3_000, onEvent: () => undefined });
    });
    afterAll(async () => {
      await reader.close();
      await database.drop();
    });

    it('is recorded rejected with the reason, kept whole, no ticket; sent again it is a duplicate', async () => {
      const intake = new TicketIntake(ctx);
      const raw = mail(7, 'hang');
      const outcome = await ingestMail(ctx, intake, DEFAULT_INBOUND_SETTING, raw, 'http', reader);
      expect(outcome).toEqual({ result: 'rejected', ticketId: null, reason: 'Unreadable: reading it took longer than 3 s.', mailId: expect.any(Number) });
      const row = await findInboundMail(database.handle.db, outcome.mailId);
      expect(row).toMatchObject({ result: 'rejected', from_address: 'c7@customer.example', subject: expect.stringContaining('Mail 7'), reason: outcome.reason, size: raw.length });
      expect(Buffer.from(row!.raw).equals(raw)).toBe(true);
      expect(Number((await database.handle.db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(0);
      const again = await ingestMail(ctx, intake, DEFAULT_INBOUND_SETTING, raw, 'http', reader);
      expect(again).toMatchObject({ result: 'duplicate', mailId: outcome.mailId });
    });

    it("is no duplicate of another sender's mail with its Message-ID: logged under its own key", async () => {
      const id = '<shared.unread@customer.example>';
      const at = ctx.clock.now();
      await database.handle.db
        .insertInto('inbound_mails')
        .values({ mail_key: id, source: 'http', from_address: 'mallory@outsider.example', from_name: '', subject: 'First with the id', result: 'created', reason: null, size: 1, raw: Buffer.from('x'), received_at: at, handled_at: at })
        .execute();
      const raw = customerMail({ from: 'Customer 8 <c8@customer.example>', subject: 'Mail 8', messageId: id, text: 'Body 8.', headers: { 'X-Test': 'hang' } });
      const outcome = await ingestMail(ctx, new TicketIntake(ctx), DEFAULT_INBOUND_SETTING, raw, 'http', reader);
      expect(outcome.result).toBe('rejected');
      expect(await findInboundMail(database.handle.db, outcome.mailId)).toMatchObject({ mail_key: `${id} c8@customer.example`, from_address: 'c8@customer.example' });
    });
  });
}
