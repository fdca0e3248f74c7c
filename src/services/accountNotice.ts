/**
 * Writes the notice of a changed password, address or second factor (core/accountNotice.ts) to the outbox, inside
 * the change's own transaction: the notice goes exactly when the change commits, once.
 */
import { type AccountChangeBy, accountChangeNotice, type AccountChangeNotice, type SecondFactorChange, secondFactorNotice } from '../core/accountNotice.js';
import type { UserRow } from '../db/schema.js';
import { renderAccountChanged } from '../mail/templates/index.js';
import { enqueueEmail } from '../repositories/outbox.js';
import { mailSiteOfRun } from './notifications.js';
import type { RoutingRun } from './routing.js';

/** The reset request page (services/accounts.ts resetLinkPath's parent). */
const RESET_PAGE = '/agents/password/reset/';

/** Inside the change's run: mails `before`'s address (the old one) when the password or mailbox changed; nothing otherwise. */
export async function noticeAccountChange(run: RoutingRun, before: Pick<UserRow, 'email' | 'display_name' | 'username'>, after: { email: string; passwordChanged: boolean }, by: AccountChangeBy): Promise<void> {
  await mailNotice(run, before, accountChangeNotice(before, after, by));
}

/** Inside the change's run: mails the account's address of a change of its second factor (none without an address). */
export async function noticeSecondFactorChange(run: RoutingRun, user: Pick<UserRow, 'email' | 'display_name' | 'username'>, change: SecondFactorChange, by: AccountChangeBy): Promise<void> {
  await mailNotice(run, user, secondFactorNotice(user, change, by));
}

async function mailNotice(run: RoutingRun, before: Pick<UserRow, 'display_name' | 'username'>, notice: AccountChangeNotice | null): Promise<void> {
  if (notice === null) return;
  const { publicUrl, timeZone } = mailSiteOfRun(run);
  const content = renderAccountChanged({ notice, displayName: before.display_name, username: before.username, at: run.now, resetPage: publicUrl + RESET_PAGE, timeZone });
  await enqueueEmail(run.trx, { to: notice.to, toName: before.display_name, ticketId: null, kind: 'account_changed', content, now: run.now });
}
