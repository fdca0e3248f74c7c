/**
 * Model-based tests (issue 24): random sequences of what agents, admins, customers and the expiry
 * job do, run against the real services; after every command the database equals the reference
 * model and I1–I5 hold (commands.ts, desk.ts). A failure is shrunk to a short command list and
 * printed with fast-check's seed and path.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Dialect } from '../../src/db/connect.js';
import { commandArb, startArb } from './commands.js';
import { type Desk, openDesk, resetDesk } from './desk.js';
import { modelRuns, PROPERTY_TIMEOUT, reportCoverage } from './runs.js';

export function describeSequences(dialect: Dialect, defaultRuns: number): void {
  describe(`routing against its model: random command sequences (${dialect})`, () => {
    let desk: Desk;
    beforeAll(async () => {
      desk = await openDesk(dialect);
    });
    afterAll(() => desk.database.drop());

    it('after every command the database equals the model, and I1–I5 hold', async () => {
      const title = `model sequences (${dialect})`;
      await fc.assert(
        fc.asyncProperty(startArb, fc.commands([commandArb()], { maxCommands: 40, size: 'max' }), async (start, commands) => {
          const model = await resetDesk(desk, start);
          await fc.asyncModelRun(() => ({ model, real: desk }), commands);
        }),
        modelRuns(title, defaultRuns),
      );
      reportCoverage(title);
    }, PROPERTY_TIMEOUT);
  });
}
