/**
 * The `password_reset` email (§15): the single-use link, to the account's own address. Says how long
 * it works and what to do when the reader never asked (nothing: the password stays).
 */
import { BODY_STYLE, type EmailContent, escapeHtml, headerSafe, timeIn } from './layout.js';

export interface PasswordResetMailData {
  displayName: string;
  username: string;
  /** The absolute link; its token is the only key, so it appears in no other email. */
  link: string;
  expiresAt: number;
  /** The desk's time zone (core/mailTime.ts). */
  timeZone: string;
}

export function passwordReset(data: PasswordResetMailData): EmailContent {
  const subject = headerSafe('Reset your Helpdesk password');
  const lines = [
    `Someone (we hope you) asked to reset the password of the Helpdesk account "${data.username}".`,
    `Choose a new password here, before ${timeIn(data, data.expiresAt)} (the link works once, for 30 minutes):`,
  ];
  const after = 'If you did not ask, ignore this email: your password stays as it is. Setting a new password logs the account out everywhere.';
  const text = [`Hello ${data.displayName},`, '', ...lines.flatMap((l) => [l, '']), data.link, '', after, '', '— Helpdesk'].join('\n');
  const html = `<!doctype html><html><body style="${BODY_STYLE}">
<p>Hello ${escapeHtml(data.displayName)},</p>
${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n')}
<p><a href="${escapeHtml(data.link)}">Choose a new password</a></p>
<p>${escapeHtml(after)}</p>
<p>— Helpdesk</p>
</body></html>`;
  return { subject, text, html };
}
