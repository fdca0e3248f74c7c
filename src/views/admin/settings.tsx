/** `/adminapp/settings/`: SLA targets per priority, the SLA calendar, warnings, and routing (§1, §3, §4, §11). */
import { ALWAYS_OPEN } from '../../core/calendar.js';
import { deadlineInWords } from '../../core/queueOrder.js';
import { MAX_WARN_PERCENT } from '../../core/settings.js';
import type { SlaLimits } from '../../core/sla.js';
import { SLA_METRICS, type SlaMetric } from '../../core/slaClocks.js';
import { PRIORITIES, type Priority } from '../../core/tickets.js';
import { targetField } from '../../core/settingsForm.js';
import type { CalendarChoice } from '../../repositories/calendars.js';
import { CsrfField, ErrorSummary, FieldNotes, type FormErrors, type FormValues, SelectField, ShownField, TextField, formTitle } from '../components.js';
import { Layout } from '../layout.js';
import type { PageBase } from './frame.js';

/** A switch of the page; with an error, described by it and marked invalid, as FieldNotes does for the other fields (the summary is the one alert). */
function Checkbox({ name, label, values, errors, hint }: { name: string; label: string; values: FormValues; errors: FormErrors; hint: string }) {
  const error = errors[name];
  return (
    <fieldset>
      <label for={name}>
        <input
          type="checkbox"
          id={name}
          name={name}
          value="on"
          checked={values[name] === 'on'}
          role="switch"
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? `${name}-error` : `${name}-hint`}
        />
        {label}
      </label>
      <FieldNotes name={name} errors={errors} hint={hint} />
    </fieldset>
  );
}

const PRIORITY_LABELS: Record<Priority, string> = { high: 'High', medium: 'Medium', low: 'Low' };
const TARGET_LABELS: Record<SlaMetric, string> = { resolution: 'Resolution', first_response: 'First response', next_reply: 'Next reply' };

/**
 * One priority's row: resolution (required), first response and next reply (empty: no target).
 * `fieldOf` names each field (the settings form's names by default); a team's form names them as
 * its API does and makes every field optional (all empty: the desk's targets).
 */
export function TargetRow({ priority, values, errors, fieldOf = targetField, optional = false }: { priority: Priority; values: FormValues; errors: FormErrors; fieldOf?: (metric: SlaMetric, priority: Priority) => string; optional?: boolean }) {
  return (
    <fieldset>
      <legend>
        <strong>{PRIORITY_LABELS[priority]}</strong>
      </legend>
      <div class="grid">
        {SLA_METRICS.map((metric) => (
          <TextField
            name={fieldOf(metric, priority)}
            label={TARGET_LABELS[metric]}
            values={values}
            errors={errors}
            required={metric === 'resolution' && !optional}
            hint={metric === 'resolution' ? 'Such as 45s, 4m, 1h or 1h30m.' : 'Empty: no target.'}
          />
        ))}
      </div>
    </fieldset>
  );
}

/** `sla`: the saved resolution targets, which say what the `deadline` queue order would change. */
/** The §15 setting, in a form of its own: requiring a second factor of all staff. */
function TwoFactorSetting({ csrf, required }: { csrf: string; required: boolean }) {
  return (
    <section id="two-factor-setting" aria-labelledby="two-factor-heading">
      <h2 id="two-factor-heading">Two-factor sign-in</h2>
      <p>{required ? 'Required for all staff: everyone without it sets it up at their next login.' : 'Optional: each staff member may turn it on from their account page.'}</p>
      <form method="post" action="/adminapp/settings/two-factor/">
        <CsrfField token={csrf} />
        <input type="hidden" name="required" value={required ? 'off' : 'on'} />
        <button type="submit" class={required ? 'secondary' : ''}>
          {required ? 'Make it optional' : 'Require it for all staff'}
        </button>
      </form>
    </section>
  );
}

/** `shown`: the stored values the form is an edit of (core/formMerge.ts). */
export function SettingsPage({
  viewer,
  csrf,
  flash,
  values,
  shown,
  errors,
  calendars,
  sla,
  twoFactorRequired = false,
}: PageBase & { values: FormValues; shown: Readonly<Record<string, string>>; errors: FormErrors; calendars: CalendarChoice[]; sla: SlaLimits; twoFactorRequired?: boolean }) {
  return (
    <Layout title={formTitle('Settings', errors, 'settings')} viewer={viewer} csrf={csrf} flash={flash}>
      <hgroup>
        <h1>Settings</h1>
        <p>Changes apply at once: a higher capacity pulls waiting tickets immediately.</p>
      </hgroup>
      <ErrorSummary errors={errors} />
      <form method="post" action="/adminapp/settings/" novalidate>
        <CsrfField token={csrf} />
        <ShownField values={shown} />
        <fieldset>
          <legend>
            <strong>SLA targets, per priority</strong>
          </legend>
          <ul>
            <li>
              <strong>Resolution</strong>: from a ticket's creation until it is closed.
            </li>
            <li>
              <strong>First response</strong>: from a ticket's creation until staff first reply to the customer.
            </li>
            <li>
              <strong>Next reply</strong>: from each later customer message until staff reply again.
            </li>
          </ul>
          <p>
            <small>
              Durations such as 45s, 4m, 1h or 1h30m, counted in the open hours of the SLA calendar. A changed target or calendar applies to clocks started after the
              change: tickets already counting keep their due times. A team with targets or a calendar of its own (on its page under <a href="/adminapp/teams/">Teams</a>)
              keeps them.
            </small>
          </p>
          {PRIORITIES.map((priority) => (
            <TargetRow priority={priority} values={values} errors={errors} />
          ))}
        </fieldset>
        <div class="grid">
          <div>
            <SelectField
              name="calendar"
              label="SLA calendar"
              values={values}
              errors={errors}
              options={[[ALWAYS_OPEN, `${ALWAYS_OPEN} (always open)`], ...calendars.map((c): [string, string] => [String(c.id), c.name])]}
              hint="The hours SLA clocks count in; outside them, and on holidays, no time passes."
            />
            <p>
              <small>
                <a href="/adminapp/calendars/">Manage calendars</a>
              </small>
            </p>
          </div>
          <TextField
            name="warn_at_percent"
            label="Warn at (% of a target's time)"
            type="number"
            values={values}
            errors={errors}
            hint={`1–${MAX_WARN_PERCENT}, such as 80: when that share of a target's time has passed, the agent holding the ticket is told on its dashboard and by email (the admins by email while the ticket waits in the queue). Empty: no warnings.`}
          />
        </div>
        {/* Sent whether the box is ticked or not, so a form without the box (from before it) keeps the setting. */}
        <input type="hidden" name="pause_while_waiting" value="off" />
        <Checkbox
          name="pause_while_waiting"
          label="Pause the resolution clock while waiting on the customer"
          values={values}
          errors={errors}
          hint="After a public reply the clock stops; the customer's next message starts it again, and the due time moves by the time that passed meanwhile."
        />
        <div class="grid">
          <TextField name="default_capacity" label="Default capacity" type="number" values={values} errors={errors} required hint="Open tickets per agent, for agents without their own capacity." />
          <SelectField
            name="queue_order"
            label="Queue order"
            values={values}
            errors={errors}
            options={[
              ['oldest', 'Oldest first'],
              ['deadline', 'Earliest SLA deadline first'],
            ]}
            hint={`Which waiting ticket the next free agent takes. Oldest first (the default): the one waiting longest, whatever its priority. Earliest SLA deadline first: the one due soonest. ${deadlineInWords(sla)} A team with a queue order of its own (on its page under Teams) keeps that one.`}
          />
        </div>
        <Checkbox
          name="release_on_logout"
          label="Release tickets when an agent leaves"
          values={values}
          errors={errors}
          hint="On logout, away or session expiry, the agent's open tickets go back to the queue and to other agents."
        />
        <SelectField
          name="email_priority"
          label="Priority of tickets from email"
          values={values}
          errors={errors}
          options={PRIORITIES.map((priority) => [priority, PRIORITY_LABELS[priority]])}
          hint="A customer who writes to the support address cannot choose a priority: new tickets from mail get this one."
        />
        <button type="submit">Save settings</button>
      </form>
      <TwoFactorSetting csrf={csrf} required={twoFactorRequired} />
    </Layout>
  );
}
