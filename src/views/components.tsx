import type { ComponentChildren } from 'preact';
import { humanSpan } from '../core/sla.js';
import type { TicketState } from '../core/tickets.js';
import { isoUtc, shortUtc } from './format.js';

export type FormErrors = Record<string, string>;
export type FormValues = Record<string, string>;

interface FieldProps {
  name: string;
  label: string;
  values: FormValues;
  errors: FormErrors;
  type?: 'text' | 'email' | 'password' | 'number';
  required?: boolean;
  maxLength?: number;
  autocomplete?: string;
  hint?: string;
}

function describedBy(name: string, errors: FormErrors, hint?: string): string | undefined {
  const ids = [errors[name] ? `${name}-error` : '', hint ? `${name}-hint` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function FieldNotes({ name, errors, hint }: { name: string; errors: FormErrors; hint?: string | undefined }) {
  return (
    <>
      {hint && <small id={`${name}-hint`}>{hint}</small>}
      {errors[name] && (
        <small id={`${name}-error`} class="field-error" role="alert">
          {errors[name]}
        </small>
      )}
    </>
  );
}

/** A labelled input with its error bound through aria-invalid / aria-describedby. */
export function TextField({ name, label, values, errors, type = 'text', required, maxLength, autocomplete, hint }: FieldProps) {
  return (
    <label for={name}>
      {label}
      <input
        id={name}
        name={name}
        type={type as "text"}
        value={type === 'password' ? '' : (values[name] ?? '')}
        required={required}
        maxLength={maxLength}
        autocomplete={autocomplete}
        aria-invalid={errors[name] ? 'true' : undefined}
        aria-describedby={describedBy(name, errors, hint)}
      />
      <FieldNotes name={name} errors={errors} hint={hint} />
    </label>
  );
}

export function TextArea({ name, label, values, errors, required, maxLength, hint }: FieldProps) {
  return (
    <label for={name}>
      {label}
      <textarea
        id={name}
        name={name}
        rows={6}
        required={required}
        maxLength={maxLength}
        aria-invalid={errors[name] ? 'true' : undefined}
        aria-describedby={describedBy(name, errors, hint)}
      >
        {values[name] ?? ''}
      </textarea>
      <FieldNotes name={name} errors={errors} hint={hint} />
    </label>
  );
}

export function SelectField({ name, label, values, errors, options, hint }: FieldProps & { options: [string, string][] }) {
  const current = (values[name] ?? '').toLowerCase();
  return (
    <label for={name}>
      {label}
      <select id={name} name={name} aria-invalid={errors[name] ? 'true' : undefined} aria-describedby={describedBy(name, errors, hint)}>
        {options.map(([value, text]) => (
          <option value={value} selected={current === value}>
            {text}
          </option>
        ))}
      </select>
      <FieldNotes name={name} errors={errors} hint={hint} />
    </label>
  );
}

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

/** The form-level summary shown above a form that came back with errors. */
export function ErrorSummary({ errors }: { errors: FormErrors }) {
  const count = Object.keys(errors).length;
  if (count === 0) return null;
  return (
    <p class="flash flash-error" role="alert">
      {count === 1 ? 'One field needs your attention.' : `${count} fields need your attention.`}
    </p>
  );
}

export function PriorityBadge({ priority }: { priority: 'high' | 'medium' | 'low' }) {
  return <span class={`badge priority-${priority}`}>{priority[0]!.toUpperCase() + priority.slice(1)}</span>;
}

const STATE_LABELS: Record<TicketState, string> = { pending: 'Waiting for an agent', open: 'Assigned', closed: 'Closed' };

export function StateBadge({ state }: { state: TicketState }) {
  return <span class={`badge state-${state}`}>{STATE_LABELS[state]}</span>;
}

/**
 * Time left before the SLA deadline, or how long overdue; `data-due` lets the browser script count
 * down live. Closed tickets show whether they met the deadline.
 */
export function SlaBadge({ dueAt, closedAt, now }: { dueAt: number; closedAt?: number | null; now: number }) {
  if (closedAt != null) {
    const met = closedAt <= dueAt;
    return <span class={`badge ${met ? 'sla-ok' : 'sla-breached'}`}>{met ? 'SLA met' : 'SLA missed'}</span>;
  }
  const left = dueAt - now;
  const cls = left < 0 ? 'sla-breached' : left < 60_000 ? 'sla-soon' : 'sla-ok';
  return (
    <span class={`badge countdown ${cls}`} data-due={dueAt} title={`Due ${shortUtc(dueAt)}`}>
      {left < 0 ? `Overdue by ${humanSpan(left)}` : `${humanSpan(left)} left`}
    </span>
  );
}

export function Time({ ms }: { ms: number }) {
  return <time datetime={isoUtc(ms)}>{shortUtc(ms)}</time>;
}

export function EmptyState({ children }: { children: ComponentChildren }) {
  return <p class="empty-state">{children}</p>;
}
