/** The IMAP source across a crash on sqlite: the one server killed mid-way and restarted (see imap-crash-scenario.ts). */
import { describe, expect, it } from 'vitest';
import { imapCrashScenario } from './imap-crash-scenario.js';

describe('a server process reading the mailbox, killed mid-way (sqlite)', () => {
  it('handles every mail exactly once across the kill and the restart', async () => {
    const report = await imapCrashScenario('sqlite', { servers: 1 });
    console.log('imap crash, sqlite:', report);
    expect(report.handledAtKill).toBeGreaterThanOrEqual(60);
    // The restart waits for the dead process's lease to run out (IMAP_LEASE_SECONDS=10 here).
  }, 180_000);
});
