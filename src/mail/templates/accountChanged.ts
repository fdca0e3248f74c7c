/**
 * The `account_changed` email (§15): to the account's address as it was, when its password or
 * address changed (core/accountNotice.ts). Says what changed, when and how, never the password,
 * and what to do when the reader did not make the change.
 */
import type { AccountChangeBy, AccountChangeNotice } from '../../core/accountNotice.js';
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
};

export function accountChanged(data: AccountChangedMailData): EmailContent {
  const { notice } = data;
  const what = notice.passwordChanged ? (notice.newEmail === null ? 'password' : 'password and email address') : 'email address';
  const verb = notice.passwordChanged && notice.newEmail !== null ? 'were' : 'was';
  const subject = headerSafe(`Your Helpdesk ${what} ${verb} changed`);
  const moved = notice.newEmail === null ? [] : [notice.newEmail === '' ? 'The account has no email address any more.' : `Its emails, password reset links among them, now go to ${notice.newEmail}.`];
  const lines = [`The ${what} of the Helpdesk account "${data.username}" ${verb} changed ${HOW[notice.by]} on ${timeIn(data, data.at)}.`, ...moved];
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
