import type { OutboxWorker } from '../../../src/mail/worker.js';

export interface DrainResult {
  rounds: number;
  claimed: number;
  sent: number;
}

/** Runs rounds until one finds nothing due (the rest may still be in another worker's hands). */
export async function drain(worker: OutboxWorker): Promise<DrainResult> {
  const total: DrainResult = { rounds: 0, claimed: 0, sent: 0 };
  for (;;) {
    const round = await worker.runOnce();
    if (round.claimed === 0) return total;
    total.rounds += 1;
    total.claimed += round.claimed;
    total.sent += round.sent;
  }
}
