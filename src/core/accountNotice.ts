/**
 * The notice an account gets when its password or email address changes (SPEC §15): the person
 * whose account was taken over learns it at the mailbox they still hold. Pure: services/accountNotice.ts
 * writes it to the outbox in the change's transaction.
 */
import { emailMoved } from './users.js';

/** Who made the change, as the notice says it. */
export type AccountChangeBy = 'owner' | 'admin' | 'reset_link';

export interface AccountChangeNotice {
  /** The address the account had before the change: for a new address, the OLD one (whoever moved it away may hold the new one). */
  to: string;
  passwordChanged: boolean;
  /** The new address when it moved to another mailbox (letter case aside); '' when it was removed; null when it stayed. */
  newEmail: string | null;
  by: AccountChangeBy;
}

/**
 * The notice for a change of an account from `before` to `after`, or null: none when neither the
 * password nor the mailbox changed (a display name, the address in another letter case), and none
 * when the account had no address to tell. One notice however much changed at once.
 */
export function accountChangeNotice(before: { email: string | null }, after: { email: string; passwordChanged: boolean }, by: AccountChangeBy): AccountChangeNotice | null {
  const moved = emailMoved(after.email, before.email);
  const to = (before.email ?? '').trim();
  if ((!moved && !after.passwordChanged) || to === '') return null;
  return { to, passwordChanged: after.passwordChanged, newEmail: moved ? after.email.trim() : null, by };
}
