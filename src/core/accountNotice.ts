/**
 * The notice an account gets when its password, email address or second factor changes (SPEC §15): the person
 * whose account was taken over learns it at the mailbox they still hold. Pure: services/accountNotice.ts
 * writes it to the outbox in the change's transaction.
 */
import { emailMoved } from './users.js';

/** Who made the change, as the notice says it (`sign_in`: the enrolment a login asked for). */
export type AccountChangeBy = 'owner' | 'admin' | 'reset_link' | 'sign_in';

/** A change of the second factor: turned on or off by its owner, reset by an admin, new recovery codes. */
export type SecondFactorChange = 'on' | 'off' | 'reset' | 'recovery_codes';

export interface AccountChangeNotice {
  /** The address the account had before the change: for a new address, the OLD one (whoever moved it away may hold the new one). */
  to: string;
  passwordChanged: boolean;
  /** The new address when it moved to another mailbox (letter case aside); '' when it was removed; null when it stayed. */
  newEmail: string | null;
  by: AccountChangeBy;
  /** What changed of the second factor, when the notice is of that (then nothing else changed). */
  secondFactor?: SecondFactorChange;
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

/**
 * The notice of a change of an account's second factor, or null when the account has no address
 * to tell. Every such change is told: one turned on may be a stranger's phone on the account, one
 * off or reset leaves only the password, and new codes may be in someone else's hands.
 */
export function secondFactorNotice(account: { email: string | null }, change: SecondFactorChange, by: AccountChangeBy): AccountChangeNotice | null {
  const to = (account.email ?? '').trim();
  return to === '' ? null : { to, passwordChanged: false, newEmail: null, by, secondFactor: change };
}
