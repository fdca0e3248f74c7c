/** /admin/audit/: every admin action and sign-in (§15), who, when, from where, and what changed. */
import { auditChanges } from '../../core/audit.js';
import type { AuditRow } from '../../repositories/auditLog.js';
import { type Column, RecordTable, TextField, Time } from '../components.js';
import { Breakable } from '../wrapping.js';
import { DateRangeFields, type ListProps, ListFrame } from './frame.js';

/**
 * What the entry changed, one line per field: `field: before → after` (a creation lists what was
 * set, a deletion what was there). The whole states stay in the JSON API (GET /api/v1/audit). Two
 * columns of raw JSON were unreadable below 1,280 px: squeezed to 70 px, or out of sight at 768.
 */
function Change({ row }: { row: AuditRow }) {
  const changes = auditChanges(parsed(row.before_json), parsed(row.after_json));
  if (changes.length === 0) return <>—</>;
  // A deletion lists what was there; "(removed)" marks a field an update took away.
  const deleted = row.after_json === null;
  return (
    <ul class="changes">
      {changes.map((change) => (
        <li>
          <code>{change.field}</code>: {change.before === undefined ? '' : <span class="was">{change.before}</span>}
          {change.before !== undefined && change.after !== undefined && ' → '}
          {change.after === undefined ? (deleted ? '' : ' (removed)') : <span class="is">{change.after}</span>}
        </li>
      ))}
    </ul>
  );
}

function parsed(json: string | null): unknown {
  return json === null ? null : (JSON.parse(json) as unknown);
}

const COLUMNS: Column<AuditRow>[] = [
  { title: 'When', fit: 'words', cell: (r) => <Time ms={r.at} seconds /> },
  { title: 'Who', fit: 'words', cell: (r) => (r.actor_id === null ? (r.actor_name || '—') : <a href={`/admin/users/${r.actor_id}/`}>{r.actor_name}</a>) },
  { title: 'Action', fit: 'words', cell: (r) => <Breakable text={r.action} /> },
  { title: 'On', fit: 'words', cell: (r) => <Breakable text={r.subject} /> },
  { title: 'From', fit: 'words', cell: (r) => r.address || '—' },
  { title: 'Change', fit: 'wide', cell: (r) => <Change row={r} /> },
];

export function AuditListPage(props: ListProps<AuditRow>) {
  const { values, errors, page } = props;
  const filters = (
    <>
      <div class="grid">
        <TextField name="actor" label="Who (username)" values={values} errors={errors} maxLength={64} />
        <TextField name="action" label="Action (user.create, or a family: user, sign_in)" values={values} errors={errors} maxLength={61} />
      </div>
      <DateRangeFields values={values} errors={errors} />
    </>
  );
  return (
    <ListFrame title="Audit log" path="/admin/audit/" exportPath="/admin/audit/export.csv" props={props} filters={filters}>
      <RecordTable id="audit-list" rows={page.rows} columns={COLUMNS} rowData={(r) => ({ id: r.id, action: r.action })} />
    </ListFrame>
  );
}
