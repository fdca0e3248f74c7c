/**
 * The one style of every field error a person reads (issue 23 item 8): the field's visible label,
 * a colon, then what is wrong or what to enter — "Password: at least 8 characters.", "Subject:
 * required." The summary above a form lists these messages alone, so each must say its field. Pure.
 */

/** Field name → the label its form shows. A dotted field (`hours.mon`) falls back to its head's label. */
export type FieldLabels = Readonly<Record<string, string>>;

/** A JSON type's name with its article, as a message reads it. */
const A_TYPE: Readonly<Record<string, string>> = { string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false', object: 'an object', array: 'a list', null: 'null' };

/**
 * A schema library's type message in this style's words: a key that is missing is "Required.", one
 * of the wrong JSON type says what it must be ("Must be a string, not a number."). zod's own
 * "Invalid input: expected nonoptional, received undefined" told an integrator nothing. Any other
 * message is kept as written (the schemas' own messages already are in this style).
 */
export function plainTypeMessage(message: string): string {
  const match = /^Invalid input: expected (\w+), received (\w+)$/.exec(message);
  if (!match) return message;
  const [, expected, received] = match as unknown as [string, string, string];
  if (received === 'undefined') return 'Required.';
  const wanted = A_TYPE[expected];
  return wanted === undefined ? message : `Must be ${wanted}, not ${A_TYPE[received] ?? received}.`;
}

/** `label: message`, the message's first letter made small unless its first word is in capitals (IANA, HD-42). */
export function labelMessage(label: string, message: string): string {
  const word = message.split(' ', 1)[0]!;
  const capitals = word.length > 1 && word === word.toUpperCase();
  return `${label}: ${capitals ? message : message.charAt(0).toLowerCase() + message.slice(1)}`;
}

/**
 * Each message of `fields` starting with its field's label (a message that already does is kept);
 * a field the form has no label for keeps its message.
 */
export function labelled(fields: Record<string, string>, labels: FieldLabels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(fields)) {
    const label = labels[field] ?? labels[field.split('.')[0]!];
    out[field] = label === undefined || message.startsWith(`${label}:`) ? message : labelMessage(label, message);
  }
  return out;
}

/**
 * The form-level message of a refused form, shown above it: none when its fields carry the errors
 * (the error summary names them, and a second "please correct…" says the same twice); the error's
 * own message when no field does (a conflict, an expired form).
 */
export function formLevelMessage(error: { message: string; fields: Readonly<Record<string, string>> }): string | null {
  return Object.keys(error.fields).length === 0 ? error.message : null;
}
