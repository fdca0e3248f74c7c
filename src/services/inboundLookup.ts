/**
 * What a mail's rules need to know before they are read, asked of the database (the shell of
 * services/inbound.ts): on PostgreSQL the mails being handled at one moment share one query.
 */
import { mailKeyOf } from '../core/messageIds.js';
import { withoutNul } from '../core/unicode.js';
import { Batcher } from '../db/batcher.js';
import { type Db, readerOf } from '../db/connect.js';
import { headerMessageId, headerSenderAddress } from '../mail/inbound/parse.js';
import { lookUpMails, type MailAsk, type MailLookup } from '../repositories/inbound.js';
import type { ServiceContext } from './context.js';

/** Each database's mail lookups, batched (one batcher per connection it reads on). */
const lookupBatchers = new WeakMap<Db, Batcher<MailAsk, MailLookup>>();

/**
 * What a mail's rules need to know before they are read (repositories/inbound.ts lookUpMails), on
 * committed state (the mail key's unique index guards the write). On PostgreSQL asked together
 * with the other mails being handled at the same moment: one query for them all.
 */
export function lookUpMail(ctx: ServiceContext, ask: MailAsk): Promise<MailLookup> {
  const db = readerOf(ctx.handle);
  // The SQLite reader answers at once, on this thread: nothing to gain by waiting for company.
  if (ctx.handle.dialect === 'sqlite') return lookUpMails(db, [ask]).then(([lookup]) => lookup!);
  let batcher = lookupBatchers.get(db);
  if (!batcher) {
    batcher = new Batcher((asks) => lookUpMails(db, asks));
    lookupBatchers.set(db, batcher);
  }
  return batcher.add(ask);
}

/** The key and sender a mail's lookup is asked for before it is parsed: from its raw header; null without a Message-ID. */
export function lookupGuess(raw: Buffer): { key: string; address: string } | null {
  const messageId = headerMessageId(raw);
  if (messageId === null) return null;
  return { key: mailKeyOf(withoutNul(messageId), ''), address: headerSenderAddress(raw) };
}
