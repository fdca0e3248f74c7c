/** /admin/events/: every change of agent or status, and the event columns a ticket's timeline shares. */
import { EVENT_LABELS, eventLabel, eventMove } from '../../core/eventText.js';
import { showsSeconds } from '../../core/sla.js';
import type { SlaMetric } from '../../core/slaClocks.js';
import { referenceOf, type TicketEventType } from '../../core/tickets.js';
import type { EventListRow } from '../../repositories/adminLists.js';
import { type Column, RecordTable, SelectField, TextField, Time } from '../components.js';
import { any, DateRangeFields, type ListProps, ListFrame } from './frame.js';

interface EventFacts {
  type: TicketEventType;
  at: number;
  metric: SlaMetric | null;
  from_username: string | null;
  to_username: string | null;
  actor_username: string | null;
}

/**
 * When, what happened, the move it made, and who did it: the columns a timeline and the events
 * list share. `seconds`: whether the times show seconds (core/sla.ts showsSeconds).
 */
export function eventColumns<E extends EventFacts>(seconds: (event: E) => boolean, extra: Column<E>[] = []): Column<E>[] {
  return [
    { title: 'When', cell: (e) => <Time ms={e.at} seconds={seconds(e)} /> },
    ...extra,
    { title: 'Event', cell: (e) => eventLabel(e) },
    { title: 'Move', cell: (e) => eventMove({ type: e.type, from: e.from_username, to: e.to_username }) || '—' },
    { title: 'By', cell: (e) => e.actor_username ?? (e.type === 'created' ? 'customer' : 'system') },
  ];
}

const LIST_COLUMNS = eventColumns<EventListRow>((e) => showsSeconds(e.created_at, e.sla_due_at), [{ title: 'Ticket', fit: 'nowrap', cell: (e) => <a href={`/admin/tickets/${e.ticket_id}/`}>{referenceOf(e.ticket_id)}</a> }]);

export function EventListPage(props: ListProps<EventListRow>) {
  const { values, errors, page } = props;
  const filters = (
    <>
      <div class="grid">
        <SelectField name="type" label="Type" values={values} errors={errors} options={any(Object.entries(EVENT_LABELS))} />
        <TextField name="ticket" label="Ticket (HD-…)" values={values} errors={errors} maxLength={20} />
        <TextField name="agent" label="Agent or actor (username)" values={values} errors={errors} maxLength={64} />
      </div>
      <DateRangeFields values={values} errors={errors} />
    </>
  );
  return (
    <ListFrame title="Events" path="/admin/events/" props={props} filters={filters}>
      <RecordTable id="event-list" rows={page.rows} columns={LIST_COLUMNS} rowData={(e) => ({ id: e.id })} />
    </ListFrame>
  );
}
