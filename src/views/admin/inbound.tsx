/**
 * /admin/inbound/: the inbound log (§10), every mail received and what became of it, and the
 * original of one mail. A mail is shown as text only: its headers and text are escaped like any
 * other text, its HTML part is never rendered (the text is the plain part, or the HTML turned into
 * text), and its files are in the raw message, which is offered as a download.
 */
import { referenceOf } from '../../core/tickets.js';
import type { InboundMailRow, InboundSource } from '../../db/schema.js';
import type { InboundListRow, InboundLogResult } from '../../repositories/inboundLog.js';
import { Clamped, type Column, DataTable, RecordTable, SelectField, TextField, Time } from '../components.js';
import { sizeInWords } from '../../core/fileSize.js';
import { AdminFrame, any, type ListProps, ListFrame, type PageBase, Search } from './frame.js';

/** Each result in words, in rule order (the filter's options). */
export const INBOUND_RESULT_LABELS: Record<InboundLogResult, string> = {
  ignored: 'Ignored',
  duplicate: 'Duplicate',
  bounce: 'Bounce',
  appended: 'Added to ticket',
  follow_up: 'Follow-up',
  created: 'New ticket',
  rejected: 'Rejected',
  pending: 'Being handled',
};

const RESULT_CLASS: Record<InboundLogResult, string> = {
  ignored: 'state-closed',
  duplicate: 'state-closed',
  bounce: 'sla-soon',
  appended: 'state-open',
  follow_up: 'state-open',
  created: 'sla-ok',
  rejected: 'sla-breached',
  pending: 'state-pending',
};

const SOURCE_LABELS: Record<InboundSource, string> = { imap: 'IMAP', http: 'HTTP', pipe: 'Pipe' };

export function InboundResultBadge({ result }: { result: InboundLogResult }) {
  return (
    <span class={`badge ${RESULT_CLASS[result]}`} data-result={result}>
      {INBOUND_RESULT_LABELS[result]}
    </span>
  );
}

const subjectText = (subject: string) => (subject.trim() === '' ? '(no subject)' : subject);

function Sender({ name, address }: { name: string; address: string }) {
  if (address === '') return <>(no sender)</>;
  return name === '' ? <>{address}</> : (
    <>
      {name} <small>&lt;{address}&gt;</small>
    </>
  );
}

function TicketLink({ id }: { id: number | null }) {
  return id === null ? <>—</> : <a href={`/admin/tickets/${id}/`}>{referenceOf(id)}</a>;
}

// Subjects and reasons wrap anywhere (as every record table's cells do): one long word must not widen the table.
const INBOUND_COLUMNS: Column<InboundListRow>[] = [
  { title: 'Received', cell: (m) => <Time ms={m.received_at} /> },
  { title: 'Source', cell: (m) => SOURCE_LABELS[m.source] },
  { title: 'Sender', cell: (m) => <Sender name={m.from_name} address={m.from_address} /> },
  { title: 'Subject', fit: 'wide', cell: (m) => <a href={`/admin/inbound/${m.id}/`}><Clamped text={subjectText(m.subject)} /></a> },
  { title: 'Result', cell: (m) => <InboundResultBadge result={m.result ?? 'pending'} /> },
  { title: 'Reason', cell: (m) => (m.reason ? <Clamped text={m.reason} /> : '') },
  { title: 'Ticket', fit: 'nowrap', cell: (m) => <TicketLink id={m.ticket_id} /> },
];

export function InboundListPage(props: ListProps<InboundListRow>) {
  const { values, errors, page } = props;
  const filters = (
    <>
      <div class="grid">
        <SelectField name="result" label="Result" values={values} errors={errors} options={any(Object.entries(INBOUND_RESULT_LABELS))} />
        <TextField name="sender" label="Sender (email address)" values={values} errors={errors} maxLength={320} />
      </div>
      <Search values={values} errors={errors} label="Search sender or subject" />
    </>
  );
  return (
    <ListFrame title="Inbound mail" path="/admin/inbound/" props={props} filters={filters}>
      <RecordTable id="inbound-list" rows={page.rows} columns={INBOUND_COLUMNS} rowData={(m) => ({ id: m.id })} />
    </ListFrame>
  );
}

/** A received mail read again from its raw message (see parseMail), for the original page. */
export interface OriginalMail {
  /** Every header line, unfolded, by name in order of first appearance (a repeated header once per line). */
  headers: [name: string, value: string][];
  /** The whole text: the plain-text part, or the HTML part turned into text. */
  text: string;
  files: { filename: string; contentType: string; size: number }[];
}

/** `content-type` as `Content-Type`: header names are case-insensitive, this is how people write them. */
export function headerName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());
}

export type InboundMailFacts = Omit<InboundMailRow, 'raw'> & { kept: number };

export function InboundMailPage({ viewer, csrf, flash, mail, original }: PageBase & { mail: InboundMailFacts; original: OriginalMail }) {
  const title = `Mail #${mail.id}`;
  // A mail refused for its size keeps its header only (services/inbound.ts).
  const headerOnly = mail.kept < mail.size;
  return (
    <AdminFrame title={title} trail={[['Inbound mail', '/admin/inbound/'], [title, null]]} viewer={viewer} csrf={csrf} flash={flash}>
      <hgroup>
        <h1>{subjectText(mail.subject)}</h1>
        <p>
          <InboundResultBadge result={mail.result ?? 'pending'} /> from <Sender name={mail.from_name} address={mail.from_address} />
        </p>
      </hgroup>
      <dl class="facts">
        <dt>Received</dt>
        <dd>
          <Time ms={mail.received_at} /> by {SOURCE_LABELS[mail.source]}
        </dd>
        <dt>Reason</dt>
        <dd id="inbound-reason">{mail.reason ?? '—'}</dd>
        <dt>Ticket</dt>
        <dd>
          <TicketLink id={mail.ticket_id} />
        </dd>
        <dt>Size</dt>
        <dd>{sizeInWords(mail.size)}</dd>
        <dt>Recorded as</dt>
        <dd>
          <code>{mail.mail_key}</code>
        </dd>
      </dl>
      <p>
        <a href={`/admin/inbound/${mail.id}/raw.eml`} role="button" class="secondary outline" download={`mail-${mail.id}.eml`}>
          Download the original (.eml)
        </a>
      </p>
      {headerOnly && (
        <p class="flash flash-info" role="status">
          This mail was larger than the limit (INBOUND_MAX_BYTES): only its header was kept.
        </p>
      )}
      <h2>Text</h2>
      <pre class="description" id="inbound-text">
        {original.text.trim() === '' ? '(no text)' : original.text}
      </pre>
      {original.files.length > 0 && (
        <>
          <h2>Files</h2>
          <p>
            <small>In the original: download it to open them.</small>
          </p>
          <DataTable class="striped" id="inbound-files" columns={['Name', 'Type', 'Size']}>
            {original.files.map((f) => (
              <tr>
                <td>{f.filename}</td>
                <td>{f.contentType}</td>
                <td>{sizeInWords(f.size)}</td>
              </tr>
            ))}
          </DataTable>
        </>
      )}
      <h2>Headers</h2>
      <div class="table-scroll">
        <DataTable class="striped" id="inbound-headers" columns={['Header', 'Value']}>
          {original.headers.map(([name, value]) => (
            <tr>
              <th scope="row">{headerName(name)}</th>
              <td class="description">{value}</td>
            </tr>
          ))}
        </DataTable>
      </div>
    </AdminFrame>
  );
}
