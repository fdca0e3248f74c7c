/**
 * The email channel's turns by sender (SPEC §10 rule 7), for services/inbound.ts: the mails of one
 * sender handled in this process go one after another, so each counts the tickets of those before
 * it; mails of different senders go together (and share the intake's group commit).
 */
import type { Db } from '../db/connect.js';
import type { ServiceContext } from './context.js';

/** The mails of each sender (lower-case, as the raw From gives it) being handled in this process, by database: the last one's turn. */
const senderTurns = new WeakMap<Db, Map<string, Promise<void>>>();

/**
 * Waits for the mails of this sender handled before in this process, and returns what ends this
 * mail's turn. Rule 7 counts the sender's tickets on committed state: two mails of one sender
 * handled at once (a burst posted together, a chunk the IMAP watcher ingests in one wave) both
 * counted without the other, so a burst of any size opened a ticket per mail. One after another,
 * each counts the tickets of those before it. Mails of different senders still go together.
 */
export async function senderTurn(ctx: ServiceContext, address: string): Promise<() => void> {
  if (address === '') return () => undefined;
  let turns = senderTurns.get(ctx.handle.db);
  if (!turns) senderTurns.set(ctx.handle.db, (turns = new Map()));
  const before = turns.get(address) ?? Promise.resolve();
  let done!: () => void;
  const mine = before.then(() => new Promise<void>((resolve) => (done = resolve)));
  turns.set(address, mine);
  await before;
  return () => {
    done();
    if (turns.get(address) === mine) turns.delete(address);
  };
}

