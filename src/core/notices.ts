/**
 * The warnings every admin page shows while something stops the help desk from reaching people
 * (issue: a team's first day). Pure: the facts are read by repositories/adminUsers.ts.
 */

/** What the notices are decided from. */
export interface NoticeFacts {
  /** Some active admin has an email address (else SLA alerts of waiting tickets reach nobody). */
  adminWithEmail: boolean;
  /** The newest email handed over was only written to the log (SMTP_URL unset where the outbox worker runs). */
  lastEmailLogged: boolean;
}

export interface AdminNotice {
  /** Stable name, for tests and styling. */
  name: 'no-admin-email' | 'email-not-delivered';
  message: string;
  link: { href: string; label: string };
}

/** The notices for an admin (`viewerId`: where "add your email" leads), worst first. */
export function adminNotices(facts: NoticeFacts, viewerId: number): AdminNotice[] {
  const notices: AdminNotice[] = [];
  if (!facts.adminWithEmail) {
    notices.push({
      name: 'no-admin-email',
      message: 'No admin has an email address, so alerts about waiting tickets (SLA warnings and breaches while no agent holds them) reach nobody.',
      link: { href: `/admin/users/${viewerId}/#profile`, label: 'Add your email address' },
    });
  }
  if (facts.lastEmailLogged) {
    notices.push({
      name: 'email-not-delivered',
      message: 'Email is not being delivered: SMTP_URL is not set where the outbox is sent, so emails are only written to the server log (status "Logged, not sent").',
      link: { href: '/admin/emails/?status=logged', label: 'See the logged emails' },
    });
  }
  return notices;
}
