/** /admin/emails/: the outbox list and one email. */
import { ccOfRow, ccShortList } from '../../core/mailCc.js';
import { shownMailBody } from '../../core/redact.js';
import { referenceOf } from '../../core/tickets.js';
import type { OutboxRow } from '../../db/schema.js';
import { type EmailListRow, UNDELIVERED } from '../../repositories/adminLists.js';
import { OUTBOX_STATUSES } from '../../repositories/outbox.js';
import { MAIL_KINDS, type MailKind } from '../../mail/templates/index.js';
import { ActionForm, Clamped, type Column, RecordTable, SelectField, TextField, Time } from '../components.js';
import { Address } from '../wrapping.js';
import { type PageBase, AdminFrame, any, Search, type ListProps, ListFrame } from './frame.js';

const EMAIL_STATUS_CLASS = { pending: 'state-pending', sending: 'state-open', sent: 'sla-ok', logged: 'state-pending', skipped: 'state-pending', failed: 'sla-breached', bounced: 'sla-breached' } as const;
const EMAIL_STATUS_LABELS: Record<OutboxRow['status'], string> = { pending: 'Pending', sending: 'Sending', sent: 'Sent', logged: 'Logged, not sent', skipped: 'Not sent on purpose', failed: 'Failed', bounced: 'Bounced' };

/** Every kind of email, each a choice of the list's Kind filter (the query takes them all: adminFilters.ts EMAIL_KINDS). */
const EMAIL_KIND_LABELS: Record<MailKind, string> = {
  created: 'Created',
  assigned: 'Assigned',
  reassigned: 'Reassigned',
  closed: 'Closed',
  sla_breached: 'SLA breached',
  reply: 'Reply',
  sla_warning: 'SLA warning',
  webhook_disabled: 'Webhook disabled',
  password_reset: 'Password reset',
  account_changed: 'Account changed',
};

function EmailStatusBadge({ status }: { status: OutboxRow['status'] }) {
  return <span class={`badge ${EMAIL_STATUS_CLASS[status]}`}>{status}</span>;
}

/** Why an email did not arrive: the last error of a failed one, the report's reason for a bounced one (§10 rule 4). */
const hasReason = (m: Pick<OutboxRow, 'status' | 'last_error'>) => (m.status === 'failed' || m.status === 'bounced' || m.status === 'skipped') && m.last_error !== null;

/** Addresses separated by commas (each comma kept with its address, never starting a line). */
function AddressList({ addresses }: { addresses: readonly string[] }) {
  return (
    <>
      {addresses.map((address, i) => (
        <>
          {i > 0 && ' '}
          <Address address={address}>{i < addresses.length - 1 && ','}</Address>
        </>
      ))}
    </>
  );
}

/** The recipient, and under it the people the email copies (§10 Cc), the first two of them and how many more. */
function Recipients({ email }: { email: Pick<OutboxRow, 'to_address' | 'cc_addresses'> }) {
  const { shown, more } = ccShortList(ccOfRow(email));
  return (
    <>
      <Address address={email.to_address} />
      {shown.length > 0 && (
        <>
          <br />
          <small class="description">
            Cc <AddressList addresses={shown} />
            {more > 0 && ` and ${more} more`}
          </small>
        </>
      )}
    </>
  );
}

const EMAIL_COLUMNS: Column<EmailListRow | OutboxRow>[] = [
  { title: 'Email', fit: 'nowrap', cell: (m) => <a href={`/admin/emails/${m.id}/`}>#{m.id}</a> },
  { title: 'Kind', fit: 'words', cell: (m) => m.kind },
  { title: 'To', cell: (m) => <Recipients email={m} /> },
  { title: 'Subject', fit: 'wide', cell: (m) => <Clamped text={m.subject} /> },
  {
    title: 'Status',
    cell: (m) => (
      <>
        <EmailStatusBadge status={m.status} />
        {hasReason(m) && (
          <>
            <br />
            <small class="description" data-reason>
              {m.last_error}
            </small>
          </>
        )}
      </>
    ),
  },
  { title: 'Tries', fit: 'nowrap', cell: (m) => m.attempts },
  { title: 'Queued', cell: (m) => <Time ms={m.created_at} /> },
];

export function EmailTable({ rows }: { rows: (EmailListRow | OutboxRow)[] }) {
  return <RecordTable id="email-list" rows={rows} columns={EMAIL_COLUMNS} rowData={(m) => ({ id: m.id })} />;
}

export function EmailListPage(props: ListProps<EmailListRow>) {
  const { values, errors, page } = props;
  const filters = (
    <>
      <div class="grid">
        <SelectField
          name="status"
          label="Status"
          values={values}
          errors={errors}
          options={any([...OUTBOX_STATUSES.map((status): [string, string] => [status, EMAIL_STATUS_LABELS[status]]), [UNDELIVERED, 'Not delivered (failed or bounced)']])}
        />
        <SelectField name="kind" label="Kind" values={values} errors={errors} options={any(MAIL_KINDS.map((kind): [string, string] => [kind, EMAIL_KIND_LABELS[kind]]))} />
        <TextField name="ticket" label="Ticket (HD-…)" values={values} errors={errors} maxLength={20} />
        <TextField name="team" label="Team of the ticket" values={values} errors={errors} maxLength={64} />
      </div>
      <Search values={values} errors={errors} label="Search recipient or subject" />
    </>
  );
  return (
    <ListFrame title="Emails" path="/admin/emails/" props={props} filters={filters}>
      <EmailTable rows={page.rows} />
    </ListFrame>
  );
}

/** One email; `canSend`: this server has a mail server, so an email only logged can be sent now. */
export function EmailDetailPage({ viewer, csrf, flash, email, canSend }: PageBase & { email: OutboxRow; canSend: boolean }) {
  const title = `Email #${email.id}`;
  // A bounced email was sent: the customer's mail server reported it undeliverable afterwards.
  const sent = email.status === 'sent' || email.status === 'bounced' || email.status === 'logged';
  const cc = ccOfRow(email);
  return (
    <AdminFrame title={title} trail={[['Emails', '/admin/emails/'], [title, null]]} viewer={viewer} csrf={csrf} flash={flash}>
      <hgroup>
        <h1>{email.subject}</h1>
        <p>
          <EmailStatusBadge status={email.status} /> {email.kind}
        </p>
      </hgroup>
      <dl class="facts">
        <dt>To</dt>
        <dd id="email-to">
          <Address address={email.to_address} />
        </dd>
        {cc.length > 0 && (
          <>
            <dt>Cc</dt>
            <dd id="email-cc">
              <AddressList addresses={cc} />
            </dd>
          </>
        )}
        <dt>Ticket</dt>
        <dd>{email.ticket_id === null ? '—' : <a href={`/admin/tickets/${email.ticket_id}/`}>{referenceOf(email.ticket_id)}</a>}</dd>
        <dt>Queued</dt>
        <dd>
          <Time ms={email.created_at} />
        </dd>
        <dt>Tries</dt>
        <dd>{email.attempts}</dd>
        <dt>{email.status === 'logged' ? 'Logged (no mail server)' : sent ? 'Sent' : 'Next try'}</dt>
        <dd>{sent ? email.sent_at === null ? '—' : <Time ms={email.sent_at} /> : email.status === 'failed' ? 'none: given up' : email.status === 'skipped' ? 'none: not sent on purpose' : <Time ms={email.next_attempt_at} />}</dd>
        <dt>{email.status === 'bounced' ? 'Why it bounced' : email.status === 'skipped' ? 'Why it was not sent' : 'Last error'}</dt>
        <dd class="description" id="last-error">
          {email.last_error ?? '—'}
        </dd>
      </dl>
      {email.status === 'failed' && (
        <ActionForm action={`/admin/emails/${email.id}/retry/`} csrf={csrf} label="Retry sending" note="It is queued again now, with a fresh set of tries." />
      )}
      {email.status === 'logged' &&
        (canSend ? (
          <ActionForm action={`/admin/emails/${email.id}/retry/`} csrf={csrf} label="Send it now" note="It was only logged: no mail server was set when it was taken. It is queued again now, to be sent." />
        ) : (
          <p class="description" id="logged-note">
            Only logged, never sent: this server has no mail server (SMTP_URL is unset). Set SMTP_URL on every process sharing the database, then send it from here.
          </p>
        ))}
      <h2>Text</h2>
      <pre class="description">{shownMailBody(email.kind, email.text_body)}</pre>
      <details>
        <summary>HTML source</summary>
        <pre class="description">{shownMailBody(email.kind, email.html_body)}</pre>
      </details>
    </AdminFrame>
  );
}
