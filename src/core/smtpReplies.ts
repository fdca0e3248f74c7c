/**
 * Which refusals of a mail server end an email's tries at once (RFC 5321 §4.2.1, SPEC §5). Pure.
 *
 * A 5xx reply is permanent: the server says the same request will fail again, and a client
 * "SHOULD NOT repeat" it. Repeating it eight times over two hours only delays the admin's news
 * that an address is wrong (or a message refused as spam), and a mail server that sees the same
 * rejected message again and again counts it against the sender's reputation.
 * Only the refusals of this message count so: a recipient (RCPT TO) or the message itself (DATA).
 * A 5xx to AUTH or MAIL FROM is the installation's (a wrong password, a sender address the relay
 * does not allow): the operator puts it right and every email waiting is sent then, so those are
 * retried as before. 552 at RCPT TO (a full mailbox) is temporary, as RFC 5321 §4.5.3.1.10 asks
 * clients to read it.
 */

/** What nodemailer's error tells of the server's reply: the command refused and its reply code. */
export interface SmtpReply {
  command?: unknown;
  responseCode?: unknown;
}

/** Whether this refusal means the email can never be delivered as it stands (no more tries). */
export function isPermanentRefusal(reply: SmtpReply): boolean {
  const code = reply.responseCode;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 500 || code > 599) return false;
  if (reply.command === 'DATA') return true;
  return reply.command === 'RCPT TO' && code !== 552;
}
