/**
 * Two admins editing one record (the settings, a team, a topic, a calendar) from pages loaded at
 * different times (README "Admin pages"). Such a form is saved whole; without more, the second
 * save puts back every field the first one changed, and nobody is told.
 *
 * So each of these forms carries what it showed: the hidden field `_shown`, the record's values as
 * the form put them in its fields when the page was made. On save, the server compares three
 * versions of each field, inside the transaction that writes: what the form showed (`shown`), what
 * the admin sent (`mine`) and what is stored now (`stored`):
 * - not edited (mine = shown): the stored value stays, whatever it is now: a save applies only the
 *   fields its admin changed, so another admin's change to other fields is kept;
 * - edited, and nobody else changed it (stored = shown), or changed it to the same: the admin's value;
 * - edited by both (stored ≠ shown and mine ≠ stored): a conflict. Nothing is written; the form
 *   comes back (409) with the admin's values in the conflicting fields, the stored ones in the
 *   others, a message by each conflicting field naming its current value, and the stored values
 *   as its new `_shown`: saving it again means "I have seen theirs; mine wins".
 * Values are compared as the form would show them once read (`1h30m` and `90m` are one duration,
 * ticked boxes in any order one list): each form gives its `canonical` texts. A list (a team's
 * members, a day's hours, the holidays) is one field. A post without `_shown` (a script, a page
 * from before it) is read as before: every field as sent. No schema change: the versions compared
 * are values, not a stored version number. Pure.
 */
import { type Checked } from './checked.js';
import { DomainError } from './errors.js';
import { type FieldLabels, labelMessage } from './fieldErrors.js';

/** The hidden field carrying what the form showed, as JSON (field → text). */
export const SHOWN_FIELD = '_shown';

/** A form's values as texts, one per field (lists as the form joins them). */
export type FormTexts = Record<string, string>;

/** The most fields `_shown` may carry (the calendar form has 10, the settings form 16, a topic one per skill). */
const MAX_SHOWN_FIELDS = 500;

/**
 * The posted `_shown`: undefined when absent (the post is read as before), null when it is not
 * what a page writes (a JSON object of texts), else the texts.
 */
export function shownOf(raw: unknown): FormTexts | null | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const entries = Object.entries(parsed);
  if (entries.length > MAX_SHOWN_FIELDS || entries.some(([, value]) => typeof value !== 'string')) return null;
  return Object.fromEntries(entries) as FormTexts;
}

/** `_shown`'s text for a page showing `values`. */
export function shownText(values: FormTexts): string {
  return JSON.stringify(values);
}

/** The message of an unreadable `_shown` (only a damaged or hand-made post has one). */
export const SHOWN_DAMAGED = 'This form arrived damaged, so nothing was saved. Check the values below and save again.';

/** Where each field's value comes from, and the fields both sides changed. */
export interface MergeDecision {
  /** Fields whose sent value counts (edited by the admin); every other field keeps its stored value. */
  edited: string[];
  /** Edited fields that someone else changed to something else meanwhile. */
  conflicts: string[];
}

/**
 * The decision, field by field, over canonical texts (see the module comment). A field `shown`
 * lacks (added to the form since) counts as shown as stored; one `mine` lacks as not edited.
 */
export function mergeDecision(fields: readonly string[], shown: FormTexts, mine: FormTexts, stored: FormTexts): MergeDecision {
  const edited: string[] = [];
  const conflicts: string[] = [];
  for (const field of fields) {
    const now = stored[field] ?? '';
    const was = shown[field] ?? now;
    const sent = mine[field];
    if (sent === undefined || sent === was) continue;
    edited.push(field);
    if (now !== was && sent !== now) conflicts.push(field);
  }
  return { edited, conflicts };
}

/**
 * Texts as a form reads them: each field's text the way `format` writes `check`'s value, except a
 * field `check` refuses, whose text stays as sent (trimmed). For a form whose parts are checked
 * and formatted as a whole (the settings, a calendar).
 */
export function canonicalTexts<T>(texts: FormTexts, check: (texts: FormTexts) => Checked<T>, format: (value: T) => FormTexts): FormTexts {
  const checked = check(texts);
  const formatted = format(checked.value);
  const out: FormTexts = {};
  for (const [field, text] of Object.entries(texts)) out[field] = checked.fields[field] === undefined && formatted[field] !== undefined ? formatted[field] : text.trim();
  return out;
}

/** A conflict found while saving: the form to show again, and a message per conflicting field. */
export class EditConflict extends DomainError {
  constructor(
    message: string,
    fields: Record<string, string>,
    /** The form as it comes back: the admin's values where they edited, the stored ones elsewhere. */
    readonly values: FormTexts,
    /** What is stored now: the form's new `_shown`. */
    readonly stored: FormTexts,
  ) {
    super('conflict', message, fields);
  }
}

/** How a form names its fields and shows a stored value in a conflict's message. */
export interface ConflictWording {
  /** `the settings`, `this team`. */
  what: string;
  labels: FieldLabels;
  /** A stored text in words for the message (a calendar's name for its id); default: the text itself. */
  describe?: (field: string, text: string) => string;
}

/** A stored text in words: empty as `empty`, lines as `a; b`. */
function inWords(text: string): string {
  const flat = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('; ');
  return flat === '' ? 'empty' : `“${flat}”`;
}

/** A post merged over the stored record. */
export interface Merged {
  /** The texts to save: the admin's where they edited, the stored ones elsewhere. */
  values: FormTexts;
  /**
   * The `_shown` of the form if it comes back refused (a field's error): the stored values, except
   * where the admin edited, which keep what the page had shown, so a change made meanwhile to a
   * field the admin edits is still found when the form is sent again.
   */
  shown: FormTexts;
}

/**
 * Merges a post over the stored record: `shown`, `mine` and `stored` are the three versions (mine
 * as sent, the others as the pages write them), `canonical` reads each for comparing. Throws an
 * EditConflict naming each field both changed and its current value.
 */
export function mergeOrConflict(fields: readonly string[], versions: { shown: FormTexts; mine: FormTexts; stored: FormTexts }, canonical: (texts: FormTexts) => FormTexts, wording: ConflictWording): Merged {
  const { shown, mine, stored } = versions;
  const sent = pick(mine, fields);
  // Read whole (a field's reading may need the others), then only what was sent counts as sent.
  const decision = mergeDecision(fields, canonical({ ...stored, ...shown }), pick(canonical({ ...stored, ...sent }), Object.keys(sent)), canonical(stored));
  const merged: FormTexts = { ...stored };
  const nextShown: FormTexts = { ...stored };
  for (const field of decision.edited) {
    merged[field] = mine[field]!;
    if (shown[field] !== undefined) nextShown[field] = shown[field];
  }
  if (decision.conflicts.length === 0) return { values: merged, shown: nextShown };
  const describe = wording.describe ?? ((_field: string, text: string) => text);
  const messages: Record<string, string> = {};
  for (const field of decision.conflicts) {
    const label = wording.labels[field] ?? field;
    messages[field] = labelMessage(label, `another admin changed this to ${inWords(describe(field, stored[field] ?? ''))} after you opened the page. Your value is kept here: save again to replace theirs, or change it back.`);
  }
  const message = `Someone else saved ${wording.what} after you opened this page, so nothing was saved. Their changes to the fields you left alone are shown now; check the ${decision.conflicts.length === 1 ? 'field' : `${decision.conflicts.length} fields`} you both changed and save again.`;
  throw new EditConflict(message, messages, merged, stored);
}

/** `texts`' entries for `fields` only (a post's other names are not the form's). */
function pick(texts: FormTexts, fields: readonly string[]): FormTexts {
  const out: FormTexts = {};
  for (const field of fields) if (texts[field] !== undefined) out[field] = texts[field];
  return out;
}

/** One edit form's part in the merge: its fields, how a post reads as texts, how texts compare, how a conflict names them. */
export interface EditForm {
  fields: readonly string[];
  /** A post's texts, one per field it carries (an unticked box or list: empty). */
  textsOf: (body: Record<string, unknown>) => FormTexts;
  canonical: (texts: FormTexts) => FormTexts;
  wording: ConflictWording;
}

/**
 * A post of `form` merged over the stored texts (see mergeOrConflict); null when the post says
 * nothing of what it showed (`shown` undefined): it is read as sent, as before.
 */
export function mergePost(form: EditForm, body: Record<string, unknown>, shown: FormTexts | undefined, stored: FormTexts): Merged | null {
  if (shown === undefined) return null;
  return mergeOrConflict(form.fields, { shown, mine: form.textsOf(body), stored }, form.canonical, form.wording);
}
