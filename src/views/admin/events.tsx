/** /admin/events/: every change of agent or status, and the event cells a ticket's timeline shares. */
import { referenceOf } from '../../core/tickets.js';
import type { EventListRow } from '../../repositories/adminLists.js';
import type { TimelineEntry } from '../../repositories/events.js';
import { SelectField, TextField, Time, DataTable } from '../components.js';
import { DateField, any, type ListProps, ListFrame } from './frame.js';

export const EVENT_LABELS: Record<TimelineEntry['type'], string> = {
  created: 'Created',
  assigned: 'Assigned',
  reassigned: 'Reassigned',
  requeued: 'Back to the queue',
  closed: 'Closed',
  sla_breached: 'SLA breached',
};

function moveText(from: string | null, to: string | null): string {
  if (from && to) return `${from} → ${to}`;
  if (to) return `→ ${to}`;
  if (from) return `${from} →`;
  return '';
}

/** What happened, the move it made, and who did it: the columns a timeline and the events list share. */
export function EventCells({ event }: { event: { type: keyof typeof EVENT_LABELS; from_username: string | null; to_username: string | null; actor_username: string | null } }) {
  return (
    <>
      <td>{EVENT_LABELS[event.type]}</td>
      <td>{moveText(event.from_username, event.to_username)}</td>
      <td>{event.actor_username ?? (event.type === 'created' ? 'customer' : 'system')}</td>
    </>
  );
}

export function EventListPage(props: ListProps<EventListRow>) {
  const { values, errors, page } = props;
  const filters = (
    <>
      <div class="grid">
        <SelectField name="type" label="Type" values={values} errors={errors} options={any(Object.entries(EVENT_LABELS))} />
        <TextField name="ticket" label="Ticket (HD-…)" values={values} errors={errors} maxLength={20} />
        <TextField name="agent" label="Agent or actor (username)" values={values} errors={errors} maxLength={64} />
      </div>
      <div class="grid">
        <DateField name="from" label="From" values={values} errors={errors} />
        <DateField name="to" label="Until" values={values} errors={errors} />
      </div>
    </>
  );
  return (
    <ListFrame title="Events" path="/admin/events/" props={props} filters={filters}>
      <DataTable class="striped" id="event-list" columns={['When', 'Ticket', 'Event', 'Move', 'By']}>
          {page.rows.map((e) => (
            <tr data-id={e.id}>
              <td>
                <Time ms={e.at} />
              </td>
              <td>
                <a href={`/admin/tickets/${e.ticket_id}/`}>{referenceOf(e.ticket_id)}</a>
              </td>
              <EventCells event={e} />
            </tr>
          ))}
      </DataTable>
    </ListFrame>
  );
}
