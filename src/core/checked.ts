/**
 * A submission (a form, an API body) read field by field, so that everything wrong with it is
 * told in one answer: the pure parse returns what it could read and a message per field it could
 * not; the service adds what only the database knows (a taken name, an unknown member) for the
 * fields that parsed, and refuses them all in one invalid_input. Pure.
 */
import { invalidInput } from './errors.js';
import { type FieldLabels, labelled } from './fieldErrors.js';

/** Field name → what is wrong with it. */
export type FieldErrors = Record<string, string>;

/**
 * What a parse read: `value` as far as it could be read (a field with an error holds a stand-in
 * that must not be used), and `fields`, a message per field that could not be. No field: whole.
 */
export class Checked<T> {
  constructor(
    readonly value: T,
    readonly fields: Readonly<FieldErrors> = {},
  ) {}

  /**
   * The same value with `earlier`'s errors too: problems found before this parse (an API schema's
   * type errors), whose messages say best what is wrong with their fields.
   */
  with(earlier: Readonly<FieldErrors>): Checked<T> {
    return new Checked(this.value, { ...this.fields, ...earlier });
  }
}

/** A submission as a service takes it: already checked, or a whole value its caller built. */
export function checkedOf<T>(submission: T | Checked<T>): Checked<T> {
  return submission instanceof Checked ? submission : new Checked(submission);
}

/**
 * What a save of an existing record is given: the input, or a function making it from the record
 * as stored inside the save's transaction (a page's post merged over it, core/formMerge.ts;
 * undefined when creating).
 */
export type Submission<T, S> = T | Checked<T> | ((stored: S | undefined) => T | Checked<T>);

/** A Submission made against `stored`, as a Checked. */
export function submittedOver<T, S>(submission: Submission<T, S>, stored: S | undefined): Checked<T> {
  return checkedOf(typeof submission === 'function' ? (submission as (stored: S | undefined) => T | Checked<T>)(stored) : submission);
}

/** Throws one invalid_input naming every field of `fields` (each message labelled), when there is any. */
export function refuseFields(fields: Readonly<FieldErrors>, labels: FieldLabels, message?: string): void {
  if (Object.keys(fields).length > 0) throw invalidInput(labelled(fields, labels), message);
}

/** The value of a submission without errors; otherwise one invalid_input naming all of them. */
export function accepted<T>(checked: Checked<T>, labels: FieldLabels): T {
  refuseFields(checked.fields, labels);
  return checked.value;
}

/**
 * A JSON body without the values at `paths` (dotted: `sla.high.resolution`): what is left once
 * the fields that failed their type check are set aside, so the rules of the others still apply.
 * A path that leads nowhere is ignored; the body itself is not changed.
 */
export function withoutPaths(body: Readonly<Record<string, unknown>>, paths: readonly string[]): Record<string, unknown> {
  const copy = structuredClone(body) as Record<string, unknown>;
  for (const path of paths) {
    const keys = path.split('.');
    const last = keys.pop()!;
    let parent: unknown = copy;
    for (const key of keys) parent = isRecord(parent) ? parent[key] : undefined;
    if (isRecord(parent)) delete parent[last];
  }
  return copy;
}

/** A JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The key two names are compared by: the same in any letter case and in any Unicode normal form.
 * `Ä` may come precomposed (NFC, most keyboards) or as `A` and a combining diaeresis (NFD, macOS
 * files and some input methods); both look alike and must name one team, topic or skill.
 */
export function nameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/**
 * The ids of `asked` among `rows` (names matched by nameKey: any letter case or normal form), in the order asked, each
 * once (a name given twice counts once), and the names no row has, each once: a list of members or skills is refused naming every unknown
 * one at once.
 */
export function idsOfNames(rows: readonly { id: number; name: string }[], asked: readonly string[]): { ids: number[]; unknown: string[] } {
  const byName = new Map(rows.map((r) => [nameKey(r.name), r.id]));
  const ids: number[] = [];
  const unknown = new Set<string>();
  for (const name of asked) {
    const id = byName.get(nameKey(name));
    if (id === undefined) unknown.add(name);
    // A name given twice (in any letter case) counts once: the caller inserts each id as a key.
    else if (!ids.includes(id)) ids.push(id);
  }
  return { ids, unknown: [...unknown] };
}

/**
 * The row named `name` in any letter case or normal form, compared as idsOfNames compares (JavaScript's case
 * folding, not SQLite's lower(), which folds only ASCII), or undefined.
 */
export function rowNamed<T extends { name: string }>(rows: readonly T[], name: string): T | undefined {
  const wanted = nameKey(name);
  return rows.find((r) => nameKey(r.name) === wanted);
}

/** The id that digits alone name (a team is named by its id or its name; its name may not be digits alone), or null. */
export function idOfDigits(named: string): number | null {
  return /^\d{1,9}$/.test(named) ? Number(named) : null;
}

/**
 * Why admins named where an agent is needed (a team's members, an agent's teams) are refused: §12
 * teams hold agents, and admins take no tickets. Said instead of "no agent is named" or a 404,
 * which read as if the account did not exist.
 */
export function adminsAreNoAgents(usernames: readonly string[]): string {
  return `${quotedNames(usernames, 'and')} ${usernames.length === 1 ? 'is an admin' : 'are admins'}: admins take no tickets and belong to no team.`;
}

/** `“a”`, `“a” or “b”`, `“a”, “b” or “c”`: names quoted for a message. */
export function quotedNames(names: readonly string[], joiner = 'or'): string {
  const quoted = names.map((n) => `“${n}”`);
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} ${joiner} ${quoted.at(-1)}`;
}
