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
  /**
   * Customers' answers to our emails can reach a ticket: a mailbox is read (IMAP_URL), a token for
   * delivering mail exists (POST /api/v1/inbound/email), or some mail has come in. Unset: true.
   */
  answersRead?: boolean;
}

export interface AdminNotice {
  /** Stable name, for tests and styling. */
  name: 'no-admin-email' | 'email-not-delivered' | 'answers-not-read';
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
  } else if (facts.answersRead === false) {
    // Emails go out and invite an answer (a follow-up by mail, §9–§10), but nothing reads the answers.
    notices.push({
      name: 'answers-not-read',
      message:
        'Customers are told they can answer our emails, but no mail comes in: IMAP_URL is not set, no inbound-mail token exists and no mail has been received, so their answers reach no ticket (they go to MAIL_REPLY_TO).',
      link: { href: '/admin/inbound/', label: 'See the inbound mail log' },
    });
  }
  return notices;
}

/**
 * How a login asks an admin without an email address for one (it lands on their profile form):
 * `none` for an agent or an admin who has one; `notice` when no admin has one, as every admin page's
 * notice says so already (with a link to that form), and a message besides would say it twice;
 * `message` when another admin has one, so no notice shows and the login's message asks.
 */
export type EmailRequest = 'none' | 'notice' | 'message';

export function emailRequestAtLogin(user: { role: string; email: string }, facts: Pick<NoticeFacts, 'adminWithEmail'>): EmailRequest {
  if (user.role !== 'admin' || user.email.trim() !== '') return 'none';
  return facts.adminWithEmail ? 'message' : 'notice';
}
