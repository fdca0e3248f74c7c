/** The background loop: started, it sends what is queued without being asked; a nudge skips the wait. */
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { consoleLogger } from '../../src/mail/logger.js';
import { createLogMailer } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { intakeTicket } from '../support/intake.js';
import { DIALECTS } from '../support/db.js';
import { eachTestbedWithSmtp, MAIL_FROM, ticketForm } from './support/testbed.js';

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: the worker loop`, () => {
    const t = eachTestbedWithSmtp(dialect);

    it('sends queued emails and later ones by itself, in batches, until stopped', async () => {
      for (let i = 0; i < 25; i++) await intakeTicket(t.bed.ctx, ticketForm({ email: `c${i}@customer.example` }));
      const worker = t.bed.worker(t.smtp.url, { pollMs: 20, batchSize: 10 });
      worker.start();
      worker.start();
      await until(() => t.smtp.received.length === 25);
      await intakeTicket(t.bed.ctx, ticketForm({ email: 'late@customer.example' }));
      await until(() => t.smtp.received.length === 26);
      await worker.stop();
      await intakeTicket(t.bed.ctx, ticketForm({ email: 'after-stop@customer.example' }));
      await new Promise((r) => setTimeout(r, 100));
      expect(t.smtp.received).toHaveLength(26);
      expect(new Set(t.smtp.received.map((e) => e.messageId)).size).toBe(26);
    });

    it('a nudge sends at once instead of at the next poll', async () => {
      const worker = t.bed.worker(t.smtp.url, { pollMs: 60_000 });
      worker.start();
      await new Promise((r) => setTimeout(r, 50));
      await intakeTicket(t.bed.ctx, ticketForm());
      await new Promise((r) => setTimeout(r, 100));
      expect(t.smtp.received).toHaveLength(0);
      worker.nudge();
      await until(() => t.smtp.received.length === 1, 2_000);
      await worker.stop();
    });

    it('takes Fastify’s logger as it is', async () => {
      const lines: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      const app = Fastify({ logger: { level: 'info', stream } });
      const mailer = createLogMailer(app.log);
      const worker = new OutboxWorker({ handle: t.bed.ctx.handle, mailer, clock: t.bed.clock, from: MAIL_FROM, logger: app.log });
      await intakeTicket(t.bed.ctx, ticketForm());
      expect((await worker.runOnce()).sent).toBe(1);
      const entry = JSON.parse(lines.find((l) => l.includes('SMTP_URL is unset'))!) as Record<string, unknown>;
      expect(entry).toMatchObject({ level: 30, to: 'carla@customer.example' });
      await app.close();
    });
  });
}

describe('console logger', () => {
  it('writes pino-style JSON lines at or above its level', () => {
    const out: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    const originalErr = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string) => out.push(`out ${chunk}`) > 0) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string) => out.push(`err ${chunk}`) > 0) as typeof process.stderr.write;
    try {
      const logger = consoleLogger('warn');
      logger.info({ a: 1 }, 'hidden');
      logger.warn({ b: 2 }, 'shown');
      logger.error({ err: new Error('boom') }, 'failed');
    } finally {
      process.stdout.write = original;
      process.stderr.write = originalErr;
    }
    expect(out).toHaveLength(2);
    expect(out[0]!.startsWith('err ')).toBe(true);
    expect(JSON.parse(out[0]!.slice(4))).toMatchObject({ level: 40, msg: 'shown', b: 2 });
    expect(JSON.parse(out[1]!.slice(4))).toMatchObject({ level: 50, msg: 'failed', err: { type: 'Error', message: 'boom' } });
  });
});
