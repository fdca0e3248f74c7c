/**
 * An SLA monitor in its own process, for the multi-process tests: `tsx monitor-process.ts
 * <DATABASE_URL> <now> <batchSize>` runs one pass at `now` and prints the ticket ids it marked.
 */
import { connect } from '../../../src/db/connect.js';
import { SlaMonitor } from '../../../src/jobs/slaMonitor.js';

const [databaseUrl, now, batchSize] = process.argv.slice(2);
if (!databaseUrl || !now || !batchSize) throw new Error('usage: monitor-process.ts <DATABASE_URL> <now> <batchSize>');
const handle = connect(databaseUrl);
try {
  const monitor = new SlaMonitor({ handle, clock: { now: () => Number(now) }, publicUrl: 'http://helpdesk.test' }, { batchSize: Number(batchSize) });
  const marked = await monitor.runOnce();
  process.stdout.write(JSON.stringify(marked.map((c) => c.ticketId)) + '\n');
} finally {
  await handle.destroy();
}
