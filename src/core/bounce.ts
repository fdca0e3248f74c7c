/**
 * Delivery reports (§10 rule 4), pure: whether a mail is one (isBounce), the reason the ticket's
 * banner and /admin/emails/ say about an email that bounced, and whether the report says it bounced
 * at all (bounceVerdict).
 */
import { sameMailbox } from './mailboxes.js';

// eslint-disable-next-line no-control-regex -- a report is any bytes; PostgreSQL text holds no NUL
const SPACE_AND_CONTROL = /[\s\u0000-\u001f\u007f]+/g;

/** The longest reason kept. */
const REASON_MAX = 500;

/**
 * The cause a qmail-style plain-text bounce gives ("Sorry, no mailbox here by that name. (#5.1.1)"),
 * with the address line above it when there is one (`<carla@example.com>:`); null when the text has
 * no such line. Only the report is read, not the copy of the returned mail below it.
 */
export function plainBounceCause(rawText: string): string | null {
  const report = rawText.split(/^--- Below this line is a copy of the message\./m)[0]!;
  const lines = report.split(/\r?\n/);
  const at = lines.findIndex((line) => /\(#\d\.\d{1,3}\.\d{1,3}\)\s*$/.test(line));
  if (at < 0) return null;
  const cause = lines[at]!.replace(SPACE_AND_CONTROL, ' ').trim();
  const above = at > 0 ? lines[at - 1]!.trim() : '';
  return /^<[^<>\s]+@[^<>\s]+>:$/.test(above) ? `${above} ${cause}` : cause;
}

/**
 * A delivery report's reason: its Status and Diagnostic-Code (RFC 3464), else the cause line of a
 * qmail-style text, else its subject.
 */
export function bounceReason(rawText: string, subject: string): string {
  // A field may be folded over several lines (Postfix folds a long Diagnostic-Code): read it whole.
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.+(?:\\r?\\n[ \\t]+.+)*)`, 'im').exec(rawText)?.[1]?.replace(SPACE_AND_CONTROL, ' ').trim() ?? null;
  const diagnostic = field('Diagnostic-Code');
  const status = field('Status');
  const parts = [status && `Status ${status}`, diagnostic].filter((p): p is string => p !== null);
  if (parts.length > 0) return parts.join(': ').slice(0, REASON_MAX);
  const cause = plainBounceCause(rawText);
  return `Delivery failed: ${cause ?? (subject || '(no subject)')}`.slice(0, REASON_MAX);
}

/** A recipient a delivery report speaks of (RFC 3464 per-recipient fields): its addresses and what became of the mail to it, lower-case. */
export interface ReportedRecipient {
  /** Final-Recipient's address, then Original-Recipient's (the address as we sent it, before a forward), without repeats. */
  addresses: string[];
  /** `failed`, `delayed`, `delivered`, `relayed` or `expanded`. */
  action: string;
}

/** A field's value in a group of report fields (unfolded), or null. */
function fieldIn(group: string, name: string): string | null {
  return new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(group)?.[1]?.trim() ?? null;
}

/** The address of a `rfc822; carla@example.com` recipient field, or none. */
function recipientAddress(value: string | null): string[] {
  const address = (value ?? '').split(';').at(-1)!.trim().replace(/^<|>$/g, '').toLowerCase();
  return /^[^\s@]+@[^\s@]+$/.test(address) ? [address] : [];
}

/**
 * The recipients a delivery report speaks of: each group of fields (between empty lines) with an
 * `Action` is one recipient's. None for a report without RFC 3464 fields (a qmail-style text).
 */
export function reportedRecipients(rawText: string): ReportedRecipient[] {
  const groups = rawText.replace(/\r\n?/g, '\n').replace(/\n[ \t]+/g, ' ').split(/\n[ \t]*\n/);
  return groups.flatMap((group) => {
    const action = fieldIn(group, 'Action')?.split(/[\s(;]/)[0]!.toLowerCase();
    if (!action) return [];
    return [{ addresses: [...new Set([...recipientAddress(fieldIn(group, 'Final-Recipient')), ...recipientAddress(fieldIn(group, 'Original-Recipient'))])], action }];
  });
}

/**
 * Whether a report makes an email `bounced`, or why not: only a failed delivery to its recipient
 * does. A report whose recipients all have an Action other than `failed` (a delay notice: the mail
 * server is still trying; a success notice) says it has not bounced; one whose failed recipients
 * are all people the email copied (§10 Cc: one email goes to the customer with them in Cc) says it
 * reached its recipient. A report without RFC 3464 fields, or a failed recipient that is not one
 * of the copied people (the customer's address forwarded elsewhere, an address it does not name),
 * is taken at its word.
 */
export function bounceVerdict(recipients: readonly ReportedRecipient[], email: { to: string; cc: readonly string[] }): { bounced: true } | { bounced: false; why: string } {
  if (recipients.length === 0) return { bounced: true };
  const failed = recipients.filter((r) => r.action === 'failed');
  if (failed.length === 0) {
    const actions = [...new Set(recipients.map((r) => r.action))].join(', ');
    return { bounced: false, why: `it reports no failed delivery (Action: ${actions}${actions.includes('delayed') ? ': the mail server is still trying' : ''})` };
  }
  const copied = (address: string) => !sameMailbox(address, email.to) && email.cc.some((cc) => sameMailbox(cc, address));
  const copiedOf = failed.map((r) => (r.addresses.some((a) => sameMailbox(a, email.to)) ? undefined : r.addresses.find(copied)));
  if (copiedOf.some((a) => a === undefined)) return { bounced: true };
  return { bounced: false, why: `only ${[...new Set(copiedOf)].join(', ')} failed, copied on it: it reached its recipient ${email.to.toLowerCase()}` };
}

// A Message-ID of our form (mail/message.ts messageIdFor); the outbox row it names is checked by the caller.
const OWN_ID = String.raw`<(?:hd-\d{1,15}\.)?outbox-\d{1,15}\.[0-9a-f]{16}@[^<>@\s]+>`;

/**
 * The Message-IDs of ours a delivery report names as the email it returns, in order, without
 * repeats: those on a `Message-ID:` line (the returned mail's header, which reports quote), else
 * the report's own In-Reply-To and References (`references`) and any of our form in its text. Not
 * every id of ours it quotes: the returned mail's In-Reply-To and References name our earlier
 * emails of the ticket, which were delivered.
 */
export function reportedOwnIds(rawText: string, references: readonly string[]): string[] {
  const returned = [...rawText.matchAll(new RegExp(`^Message-ID:[ \\t]*(?:\\r?\\n[ \\t]+)?(${OWN_ID})`, 'gim'))].map((m) => m[1]!);
  return [...new Set(returned.length > 0 ? returned : [...references, ...(rawText.match(new RegExp(OWN_ID, 'gi')) ?? [])])];
}

/** Rule 4: a delivery status report, or mail from a mail system's own mailbox. */
export function isBounce(contentType: string, fromAddress: string | null): boolean {
  const type = contentType.toLowerCase();
  if (/^\s*multipart\/report\b/.test(type) && /report-type\s*=\s*"?delivery-status"?/.test(type)) return true;
  const local = (fromAddress ?? '').split('@')[0]!.toLowerCase();
  return local === 'mailer-daemon' || local === 'postmaster';
}
