import type { ComponentChildren } from 'preact';
import { ATTACHMENTS_FIELD, MAX_FILE_BYTES, MAX_FILES, MAX_MESSAGE_BYTES } from '../core/attachments.js';
import { SHOWN_FIELD, shownText } from '../core/formMerge.js';
import { FORM_KEY_FIELD } from '../core/formReceipts.js';
import { linkParts } from '../core/links.js';

// The badges and times every page shows live in badges.tsx; pages import them from here too.
export * from './badges.js';

export type FormErrors = Record<string, string>;

/**
 * A form page's title: "Check the <what> · <title>" while the form came back refused, so the tab and
 * the first words a screen reader says on the reloaded page tell that nothing was saved.
 */
export function formTitle(title: string, errors: FormErrors, what: string): string {
  return Object.keys(errors).length > 0 ? `Check the ${what} · ${title}` : title;
}
export type FormValues = Record<string, string>;

interface FieldProps {
  name: string;
  label: string;
  values: FormValues;
  errors: FormErrors;
  type?: 'text' | 'email' | 'password' | 'number' | 'date';
  required?: boolean;
  maxLength?: number;
  autocomplete?: string;
  hint?: string;
  /** The id of a <datalist> of suggestions. */
  list?: string;
  /** The id of one message that speaks for several fields (login: not saying which was wrong). */
  sharedErrorId?: string;
}

/** What describes a field: its error while it has one (the error takes the hint's place), else its hint. */
function describedBy(name: string, errors: FormErrors, hint?: ComponentChildren): string | undefined {
  if (errors[name]) return `${name}-error`;
  return hint ? `${name}-hint` : undefined;
}

export function FieldNotes({ name, errors, hint }: { name: string; errors: FormErrors; hint?: ComponentChildren }) {
  // The error is read out with the field (aria-describedby) and listed in the page's ErrorSummary,
  // which is the one alert: an alert per field would make a screen reader read them all twice.
  // The hint is hidden meanwhile: the error says what to enter, and two notes under a field are
  // read as one sentence.
  return (
    <>
      {errors[name] && (
        <small id={`${name}-error`} class="field-error">
          {errors[name]}
        </small>
      )}
      {hint && (
        <small id={`${name}-hint`} hidden={errors[name] ? true : undefined}>
          {hint}
        </small>
      )}
    </>
  );
}

/**
 * A field's label text, which alone names the field (`aria-labelledby`): the <label> wraps the field
 * and its notes too, and a name computed from the whole label carried the hint and the error, read
 * again as the description.
 */
function LabelText({ name, label }: { name: string; label: ComponentChildren }) {
  return <span id={`${name}-label`}>{label}</span>;
}

/** A labelled input with its error bound through aria-invalid / aria-describedby. */
export function TextField({ name, label, values, errors, type = 'text', required, maxLength, autocomplete, hint, list, sharedErrorId }: FieldProps) {
  return (
    <label for={name}>
      <LabelText name={name} label={label} />
      <input
        id={name}
        name={name}
        type={type as "text"}
        value={type === 'password' ? '' : (values[name] ?? '')}
        required={required}
        maxLength={maxLength}
        autocomplete={autocomplete}
        list={list}
        aria-invalid={errors[name] ? 'true' : undefined}
        aria-describedby={sharedErrorId ? (errors[name] ? sharedErrorId : undefined) : describedBy(name, errors, hint)}
        aria-labelledby={`${name}-label`}
      />
      {!sharedErrorId && <FieldNotes name={name} errors={errors} hint={hint} />}
    </label>
  );
}

/**
 * Fields that answer one question together (a week's opening hours, a set of events) under one
 * legend, with one hint and one error for the group; the page's ErrorSummary links to the fieldset.
 */
export function FieldGroup({ name, legend, errors, hint, children }: { name: string; legend: string; errors: FormErrors; hint?: ComponentChildren; children: ComponentChildren }) {
  return (
    <fieldset id={name} tabindex={-1} aria-describedby={describedBy(name, errors, hint)}>
      <legend>
        <strong>{legend}</strong>
      </legend>
      <FieldNotes name={name} errors={errors} hint={hint} />
      {children}
    </fieldset>
  );
}

/**
 * A text box. Its limit (`maxLength`) is not the browser's `maxlength`, which cuts a pasted text
 * short without a word: app.js counts instead (`data-maxlength`: how many characters are left near
 * the limit, how many too many past it), and the server refuses a longer text with the text kept.
 */
export function TextArea({ name, label, values, errors, required, maxLength, hint }: FieldProps) {
  return (
    <label for={name}>
      <LabelText name={name} label={label} />
      <textarea
        id={name}
        name={name}
        rows={6}
        required={required}
        data-maxlength={maxLength}
        aria-invalid={errors[name] ? 'true' : undefined}
        aria-describedby={describedBy(name, errors, hint)}
        aria-labelledby={`${name}-label`}
      >
        {values[name] ?? ''}
      </textarea>
      <FieldNotes name={name} errors={errors} hint={hint} />
      {maxLength !== undefined && <small class="char-count" id={`${name}-count`} data-count-for={name} hidden />}
    </label>
  );
}

export function SelectField({ name, label, values, errors, options, hint }: FieldProps & { options: [string, string][] }) {
  const current = (values[name] ?? '').toLowerCase();
  return (
    <label for={name}>
      <LabelText name={name} label={label} />
      <select id={name} name={name} aria-invalid={errors[name] ? 'true' : undefined} aria-describedby={describedBy(name, errors, hint)} aria-labelledby={`${name}-label`}>
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

/**
 * What an edit form showed, sent back with it (core/formMerge.ts): on save, only the fields the
 * admin changed are applied, and a field someone else changed meanwhile is a conflict.
 */
export function ShownField({ values }: { values: Readonly<Record<string, string>> }) {
  return <input type="hidden" name={SHOWN_FIELD} value={shownText(values)} />;
}

/**
 * What someone wrote, with its web addresses as links (core/links.ts). They lead off the helpdesk
 * to wherever the writer chose: no referrer and no opener go with them, and `nofollow ugc` says the
 * helpdesk does not vouch for them.
 */
export function LinkedText({ text }: { text: string }) {
  return (
    <>
      {linkParts(text).map((part) =>
        'href' in part ? (
          <a href={part.href} rel="noopener noreferrer nofollow ugc">
            {part.text}
          </a>
        ) : (
          part.text
        ),
      )}
    </>
  );
}

/** A form's one-time key (core/formReceipts.ts): its post makes what it makes once, however often it is sent. */
export function FormKeyField({ value }: { value: string }) {
  return <input type="hidden" name={FORM_KEY_FIELD} value={value} />;
}

/** A one-button action (close, requeue, retry, delete, …): a POST form with its CSRF token, an optional note and, for what cannot be undone, a question first. */
export function ActionForm({
  action,
  csrf,
  label,
  class: className,
  ariaLabel,
  note,
  confirm,
}: {
  action: string;
  csrf: string;
  label: ComponentChildren;
  class?: string;
  ariaLabel?: string;
  note?: string;
  /** An action that cannot be undone: app.js asks this question first (without scripts it is done at once). */
  confirm?: string;
}) {
  return (
    <form method="post" action={action} data-confirm={confirm}>
      <CsrfField token={csrf} />
      <button type="submit" class={className} aria-label={ariaLabel}>
        {label}
      </button>
      {note && <small>{note}</small>}
    </form>
  );
}

/**
 * The form-level summary above a form that came back with errors: one alert that says how many
 * fields need attention and links to each of them. app.js moves the keyboard focus here when the
 * page loads.
 */
export function ErrorSummary({ errors }: { errors: FormErrors }) {
  const names = Object.keys(errors);
  if (names.length === 0) return null;
  return (
    <div class="error-summary" role="alert" tabindex={-1} aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">{names.length === 1 ? 'One field needs your attention' : `${names.length} fields need your attention`}</h2>
      <ul>
        {names.map((name) => (
          <li>
            <a href={`#${name}`}>{errors[name]}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * A form-level message that is not about one field (the form had expired, the conversation moved
 * on): an alert above the form. app.js moves the keyboard focus here when there is no error summary.
 */
export function FormNotice({ id, message }: { id: string; message: string | null }) {
  if (message === null) return null;
  return (
    <p class="flash flash-error form-notice" role="alert" tabindex={-1} id={id}>
      {message}
    </p>
  );
}

/** What a list shows when it has nothing: a headline in bold, then what happens next. */
export function EmptyState({ children, title }: { children?: ComponentChildren; title?: string }) {
  return (
    <p class="empty-state">
      {title && <strong>{title}</strong>}
      {children}
    </p>
  );
}

/**
 * A table with a header row of column titles (`scope="col"`); the body rows come as children.
 * A column may be a plain title or an element (e.g. a visually hidden one for an actions column).
 */
/**
 * A table that may scroll sideways on a phone: a named region reachable by keyboard (axe:
 * scrollable-region-focusable). While it is wider than its box, app.js marks the frame with the
 * sides that hide columns (`data-more="right"`, `left`, `left right`): a shadow falls on those
 * edges and the hint above says which way to scroll (QA: at 390 px nothing said the table went
 * on). Without scripts the table still scrolls, with no cue. Its caption wraps inside the visible
 * box and stays in view while the table scrolls (app.css).
 */
export function ScrollRegion({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="scroll-frame" data-scroll-frame>
      <p class="scroll-hint" aria-hidden="true" hidden>
        Scroll sideways for more columns
      </p>
      <div class="scroll-shadows">
        <div class="table-scroll" tabindex={0} role="region" aria-label={label}>
          {children}
        </div>
      </div>
    </div>
  );
}

export function DataTable({
  columns,
  id,
  class: className,
  caption,
  bodyId,
  children,
}: {
  columns: ComponentChildren[];
  id?: string;
  class?: string;
  caption?: string;
  /** An id for the tbody, for scripts that refresh the rows. */
  bodyId?: string;
  children: ComponentChildren;
}) {
  return (
    <table id={id} class={className}>
      {caption && <caption>{caption}</caption>}
      <thead>
        <tr>
          {columns.map((column) => (
            <th scope="col">{column}</th>
          ))}
        </tr>
      </thead>
      <tbody id={bodyId}>{children}</tbody>
    </table>
  );
}

/**
 * The file picker of a form that takes attachments (§10.1; the form needs
 * `enctype="multipart/form-data"`). Files cannot be kept when the form comes back (with errors, or
 * `cameBack` after an expired token): the hint says to pick them again.
 */
export function AttachmentsField({ errors, label = 'Attachments (optional)', cameBack = false }: { errors: FormErrors; label?: string; cameBack?: boolean }) {
  const again = cameBack || Object.keys(errors).length > 0;
  const hint = `Up to ${MAX_FILES} files, ${MAX_FILE_BYTES / (1024 * 1024)} MB each and ${MAX_MESSAGE_BYTES / (1024 * 1024)} MB in all. Web pages (HTML) and SVG images are not accepted.${again ? ' Files are not kept when the form comes back: pick them again.' : ''}`;
  return (
    <label for={ATTACHMENTS_FIELD}>
      <LabelText name={ATTACHMENTS_FIELD} label={label} />
      <input
        id={ATTACHMENTS_FIELD}
        name={ATTACHMENTS_FIELD}
        type="file"
        multiple
        aria-invalid={errors[ATTACHMENTS_FIELD] ? 'true' : undefined}
        aria-describedby={describedBy(ATTACHMENTS_FIELD, errors, hint)}
        aria-labelledby={`${ATTACHMENTS_FIELD}-label`}
      />
      <FieldNotes name={ATTACHMENTS_FIELD} errors={errors} hint={hint} />
    </label>
  );
}


/** One column of a RecordTable: its title (the header, and each cell's label on a phone) and what a row shows under it. */
export interface Column<R> {
  title: string;
  cell: (row: R) => ComponentChildren;
  /**
   * `nowrap`: a short value kept on one line (a number, a reference); `words`: wraps between words,
   * never inside one (a name, an address); `wide`: takes the spare width.
   */
  fit?: 'nowrap' | 'words' | 'wide';
}

/**
 * A list of records that fits its box at any width: a table on a wide screen (cells wrap, long
 * words break, nothing scrolls sideways) and one card per record on a phone, each value under its
 * column's title (`table.records` in app.css). The header and the cards' labels come from the same
 * column list, so they cannot disagree.
 */
export function RecordTable<R>({ id, rows, columns, rowData }: { id: string; rows: readonly R[]; columns: readonly Column<R>[]; rowData: (row: R) => Record<string, string | number> }) {
  return (
    <DataTable id={id} class="striped stack records" columns={columns.map((c) => c.title)}>
      {rows.map((row) => (
        <tr {...Object.fromEntries(Object.entries(rowData(row)).map(([name, value]) => [`data-${name}`, String(value)]))}>
          {columns.map((c) => (
            <td data-label={c.title} class={c.fit}>
              <div class="cell">{c.cell(row)}</div>
            </td>
          ))}
        </tr>
      ))}
    </DataTable>
  );
}

/** A long text cut to two lines in a table, whole in its tooltip (title) and to screen readers. */
export function Clamped({ text, children }: { text: string; children?: ComponentChildren }) {
  return (
    <span class="clamp" title={text}>
      {children ?? text}
    </span>
  );
}
