/**
 * The `account_changed` email (§15): to the account's address as it was, when its password,
 * address or second factor changed (core/accountNotice.ts). Says what changed, when and how, never the password,
 * and what to do when the reader did not make the change.
 */
import type { AccountChangeBy, AccountChangeNotice, SecondFactorChange } from '../../core/accountNotice.js';
import { BODY_STYLE, type EmailContent, escapeHtml, headerSafe, timeIn } from './layout.js';

export interface AccountChangedMailData {
  notice: AccountChangeNotice;
  displayName: string;
  username: string;
  at: number;
  /** The absolute address of the reset request page. */
  resetPage: string;
  /** The desk's time zone (core/mailTime.ts). */
  timeZone: string;
}

const HOW: Record<AccountChangeBy, string> = {
  owner: 'on its own account page',
  admin: 'by an admin',
  reset_link: 'through a password reset link',
  sign_in: 'while signing in',
};

/** A second factor's change: what happened (the subject says it of "your Helpdesk account"), and what it means now. */
const SECOND_FACTOR: Record<SecondFactorChange, { happened: string; meaning: string }> = {
  on: { happened: 'Two-factor sign-in was turned on', meaning: 'Signing in now takes a code from the phone that was set up.' },
  off: { happened: 'Two-factor sign-in was turned off', meaning: 'Signing in now takes the password alone.' },
  reset: { happened: 'Two-factor sign-in was reset', meaning: 'Its phone and recovery codes no longer sign in: it can be set up again on My account.' },
  recovery_codes: { happened: 'New recovery codes were made', meaning: 'The earlier recovery codes no longer work.' },
};

/** The subject and the lines between the greeting and the advice. */
function whatChanged(data: AccountChangedMailData): { subject: string; lines: string[] } {
  const { notice } = data;
  if (notice.secondFactor !== undefined) {
    const { happened, meaning } = SECOND_FACTOR[notice.secondFactor];
    return { subject: headerSafe(`${happened} for your Helpdesk account`), lines: [`${happened} for the Helpdesk account "${data.username}" ${HOW[notice.by]} on ${timeIn(data, data.at)}.`, meaning] };
  }
  const what = notice.passwordChanged ? (notice.newEmail === null ? 'password' : 'password and email address') : 'email address';
  const verb = notice.passwordChanged && notice.newEmail !== null ? 'were' : 'was';
  const subject = headerSafe(`Your Helpdesk ${what} ${verb} changed`);
  const moved = notice.newEmail === null ? [] : [notice.newEmail === '' ? 'The account has no email address any more.' : `Its emails, password reset links among them, now go to ${notice.newEmail}.`];
  return { subject, lines: [`The ${what} of the Helpdesk account "${data.username}" ${verb} changed ${HOW[notice.by]} on ${timeIn(data, data.at)}.`, ...moved] };
}

export function accountChanged(data: AccountChangedMailData): EmailContent {
  const { notice } = data;
  const { subject, lines } = whatChanged(data);
  const after =
    notice.newEmail === null
      ? `If you did not make this change, someone else may be using your account: ask for a new password at ${data.resetPage} and tell an admin.`
      : 'If you did not make this change, someone else may be using your account: tell an admin at once (reset links no longer come to this address).';
  const text = [`Hello ${data.displayName},`, '', ...lines.flatMap((l) => [l, '']), after, '', '— Helpdesk'].join('\n');
  const html = `<!doctype html><html><body style="${BODY_STYLE}">
<p>Hello ${escapeHtml(data.displayName)},</p>
${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n')}
<p>${escapeHtml(after)}</p>
<p>— Helpdesk</p>
</body></html>`;
  return { subject, text, html };
}
