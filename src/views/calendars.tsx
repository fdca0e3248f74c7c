/** `/adminapp/calendars/`: the business-hours calendars SLA clocks count with (§11), and their form. */
import { ALWAYS_OPEN, currentZoneName, WEEKDAYS } from '../core/calendar.js';
import { DAY_NAMES, hoursField, weeklySummary } from '../core/calendarForm.js';
import type { CalendarRecord } from '../repositories/calendars.js';
import { ActionForm, CsrfField, DataTable, ErrorSummary, FieldGroup, type FormErrors, type FormValues, ShownField, TextArea, TextField, Time, formTitle } from './components.js';
import { type Flash, Layout, type Viewer } from './layout.js';

export const CALENDARS = '/adminapp/calendars/';

interface PageBase {
  viewer: Viewer;
  csrf: string;
  flash: Flash | null;
}

/** Every zone this server knows, for the time zone field's suggestions. */
const TIME_ZONES: readonly string[] = [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone').map(currentZoneName)])];

function SlaMark({ sla }: { sla: boolean }) {
  return sla ? <span class="badge state-open">SLA calendar</span> : <span>—</span>;
}

export function CalendarListPage({ viewer, csrf, flash, calendars, slaCalendarId }: PageBase & { calendars: readonly CalendarRecord[]; slaCalendarId: number | null }) {
  return (
    <Layout title="Calendars" viewer={viewer} csrf={csrf} flash={flash}>
      <hgroup>
        <h1>Calendars</h1>
        <p>
          Business hours and holidays. SLA clocks count only the open hours of the calendar chosen in <a href="/adminapp/settings/">Settings</a>.
        </p>
      </hgroup>
      <p>
        <a href={`${CALENDARS}new/`} role="button">
          New calendar
        </a>
      </p>
      <div class="table-scroll">
        <DataTable id="calendars" class="striped stack" columns={['Name', 'Time zone', 'Weekly hours', 'Holidays', 'Used for', 'Changed']}>
          <tr data-calendar={ALWAYS_OPEN}>
            <td data-label="Name">
              <span>
                <strong>{ALWAYS_OPEN}</strong> <small>(built in)</small>
              </span>
            </td>
            <td data-label="Time zone">
              <span>—</span>
            </td>
            <td data-label="Weekly hours">
              <span>Always open</span>
            </td>
            <td data-label="Holidays">
              <span>0</span>
            </td>
            <td data-label="Used for">
              <SlaMark sla={slaCalendarId === null} />
            </td>
            <td data-label="Changed">
              <span>—</span>
            </td>
          </tr>
          {calendars.map((c) => (
            <tr data-calendar={c.id}>
              <td data-label="Name" class="ticket-title">
                <span>
                  <a href={`${CALENDARS}${c.id}/`}>{c.name}</a>
                </span>
              </td>
              <td data-label="Time zone">
                <span>{c.definition.timeZone}</span>
              </td>
              <td data-label="Weekly hours">
                <span>{weeklySummary(c.definition)}</span>
              </td>
              <td data-label="Holidays">
                <span>{c.definition.holidays.length}</span>
              </td>
              <td data-label="Used for">
                <SlaMark sla={slaCalendarId === c.id} />
              </td>
              <td data-label="Changed">
                <span>
                  <Time ms={c.updatedAt} />
                </span>
              </td>
            </tr>
          ))}
        </DataTable>
      </div>
    </Layout>
  );
}

function CalendarFields({ values, errors }: { values: FormValues; errors: FormErrors }) {
  return (
    <>
      <div class="grid">
        <TextField name="name" label="Name" values={values} errors={errors} required maxLength={100} hint="Unique in any letter case, such as Berlin office." />
        <TextField name="time_zone" label="Time zone" values={values} errors={errors} required maxLength={64} list="time-zones" autocomplete="off" hint="An IANA zone such as Europe/Berlin; the hours below are local times there." />
      </div>
      <datalist id="time-zones">
        {TIME_ZONES.map((zone) => (
          <option value={zone} />
        ))}
      </datalist>
      <FieldGroup
        name="hours"
        legend="Opening hours"
        errors={errors}
        hint={
          <>
            Per day, intervals such as <code>09:00-12:00, 13:00-17:00</code>; empty: closed. An interval that ends before it starts runs past midnight (<code>22:00-06:00</code> on Friday is open until Saturday 06:00).
          </>
        }
      >
        <div class="grid">
          {WEEKDAYS.slice(0, 4).map((day) => (
            <TextField name={hoursField(day)} label={DAY_NAMES[day]} values={values} errors={errors} maxLength={200} />
          ))}
        </div>
        <div class="grid">
          {WEEKDAYS.slice(4).map((day) => (
            <TextField name={hoursField(day)} label={DAY_NAMES[day]} values={values} errors={errors} maxLength={200} />
          ))}
        </div>
      </FieldGroup>
      <TextArea
        name="holidays"
        label="Holidays (closed all day)"
        values={values}
        errors={errors}
        hint="One per line: a date (2026-05-01) or a range (2026-12-24..2026-12-26), followed by “yearly” to repeat it every year."
      />
    </>
  );
}

export function CalendarFormPage({
  viewer,
  csrf,
  flash,
  calendar,
  use,
  values,
  shown,
  errors,
}: PageBase & { calendar: CalendarRecord | null; use: string | null; values: FormValues; shown: FormValues; errors: FormErrors }) {
  const title = calendar ? `Calendar: ${calendar.name}` : 'New calendar';
  return (
    <Layout title={formTitle(title, errors, 'calendar')} viewer={viewer} csrf={csrf} flash={flash}>
      <nav aria-label="breadcrumb">
        <ul>
          <li>
            <a href={CALENDARS}>Calendars</a>
          </li>
          <li>{calendar ? calendar.name : 'New'}</li>
        </ul>
      </nav>
      <h1>{calendar ? 'Edit calendar' : 'New calendar'}</h1>
      {calendar && <p>A change applies to SLA clocks started after it; tickets already counting keep the hours they started with.</p>}
      <ErrorSummary errors={errors} />
      <form method="post" action={calendar ? `${CALENDARS}${calendar.id}/` : `${CALENDARS}new/`} enctype="multipart/form-data" novalidate>
        <CsrfField token={csrf} />
        {calendar && <ShownField values={shown} />}
        <CalendarFields values={values} errors={errors} />
        <button type="submit">{calendar ? 'Save' : 'Create calendar'}</button>
      </form>
      {calendar &&
        (use === null ? (
          <ActionForm action={`${CALENDARS}${calendar.id}/delete/`} csrf={csrf} class="secondary outline" label="Delete this calendar" confirm="Delete this calendar? This cannot be undone." note="Tickets whose clocks count with it keep counting as they started." />
        ) : (
          <p data-calendar-use>
            <small>This calendar cannot be deleted: {use}.</small>
          </p>
        ))}
    </Layout>
  );
}
