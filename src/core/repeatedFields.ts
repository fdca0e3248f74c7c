/**
 * Form fields sent more than once. A urlencoded or multipart body gives a repeated name as a list
 * of its values; a route reading one value then finds no text and takes the field as empty (a
 * capacity sent twice set the default capacity, a topic sent twice the default topic). Browsers
 * send a name twice only when the form has it twice, which our forms do on purpose for a few
 * fields (a group of boxes, a box with its hidden "off" companion): each route names those, and
 * any other field sent more than once refuses the whole form. Pure.
 */

/**
 * The field errors of a body whose single-valued fields came more than once (empty when none did):
 * each such field with how many times it came. `lists`: the fields that are lists by design.
 */
export function repeatedFieldErrors(body: Readonly<Record<string, unknown>>, lists: readonly string[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (Array.isArray(value) && !lists.includes(name)) errors[name] = `send this field once (it came ${value.length} times).`;
  }
  return errors;
}

/** The page's message for a form refused for repeated fields, naming them. */
export function repeatedFieldsMessage(names: readonly string[]): string {
  const quoted = names.map((name) => `“${name}”`).join(', ');
  return `Not saved: this form sent ${quoted} more than once; each may be sent only once.`;
}
