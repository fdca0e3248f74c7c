/** The IMAP source across a crash on postgres: two servers, the mailbox's reader killed mid-way, the other takes over (see imap-crash-scenario.ts). */
import { describe, expect, it } from 'vitest';
import { imapCrashScenario } from './imap-crash-scenario.js';

describe('two server processes on one mailbox, the reader killed mid-way (postgres)', () => {
  it('the other takes the mailbox over and every mail is handled exactly once', async () => {
    const report = await imapCrashScenario('postgres', { servers: 2 });
    console.log('imap crash, postgres:', report);
    expect(report.handledAtKill).toBeGreaterThanOrEqual(60);
    // The takeover waits for the dead process's lease to run out (IMAP_LEASE_SECONDS=10 here).
  }, 180_000);
});
