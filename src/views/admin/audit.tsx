/** /admin/audit/: every admin action and sign-in (§15), who, when, from where, and what changed. */
import type { AuditRow } from '../../repositories/auditLog.js';
import { type Column, RecordTable, TextField, Time } from '../components.js';
import { DateRangeFields, type ListProps, ListFrame } from './frame.js';

/** A before or after state as stored (JSON, secrets already redacted), or a dash. */
function State({ json }: { json: string | null }) {
  return json === null ? <>—</> : <code>{json}</code>;
}

const COLUMNS: Column<AuditRow>[] = [
  { title: 'When', fit: 'nowrap', cell: (r) => <Time ms={r.at} seconds /> },
  { title: 'Who', fit: 'nowrap', cell: (r) => (r.actor_id === null ? (r.actor_name || '—') : <a href={`/admin/users/${r.actor_id}/`}>{r.actor_name}</a>) },
  { title: 'Action', fit: 'nowrap', cell: (r) => r.action },
  { title: 'On', fit: 'nowrap', cell: (r) => r.subject },
  { title: 'From', fit: 'nowrap', cell: (r) => r.address || '—' },
  { title: 'Before', fit: 'wide', cell: (r) => <State json={r.before_json} /> },
  { title: 'After', fit: 'wide', cell: (r) => <State json={r.after_json} /> },
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
    <ListFrame title="Audit log" path="/admin/audit/" props={props} filters={filters}>
      <RecordTable id="audit-list" rows={page.rows} columns={COLUMNS} rowData={(r) => ({ id: r.id, action: r.action })} />
    </ListFrame>
  );
}
