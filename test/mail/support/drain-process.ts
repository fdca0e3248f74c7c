/**
 * A worker in its own process, for the multi-process tests: `tsx drain-process.ts <DATABASE_URL>
 * <SMTP_URL> <now>` runs rounds until one finds nothing due, then prints what it did as JSON.
 */
import { connect } from '../../../src/db/connect.js';
import { createSmtpMailer } from '../../../src/mail/transport.js';
import { OutboxWorker } from '../../../src/mail/worker.js';
import { drain } from './drain.js';
import { MAIL_FROM, memoryLogger } from './testbed.js';

const [databaseUrl, smtpUrl, now] = process.argv.slice(2);
if (!databaseUrl || !smtpUrl || !now) throw new Error('usage: drain-process.ts <DATABASE_URL> <SMTP_URL> <now>');
const handle = connect(databaseUrl);
const mailer = createSmtpMailer(smtpUrl);
const logger = memoryLogger();
const worker = new OutboxWorker({ handle, mailer, clock: { now: () => Number(now) }, from: MAIL_FROM, logger, batchSize: 10 });
try {
  const result = await drain(worker);
  process.stdout.write(JSON.stringify({ ...result, problems: logger.entries.filter((e) => e.level !== 'info') }) + '\n');
} finally {
  mailer.close();
  await handle.destroy();
}
