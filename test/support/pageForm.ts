/**
 * What a browser would send from a form of one of our pages, read from its HTML: text and hidden
 * inputs, ticked boxes, the selected option of each select, textareas. For HTTP tests that play a
 * person who loads a page, changes some fields and saves (the rest goes as the page showed it).
 * Our pages are rendered by Preact, so their markup is regular enough for these patterns.
 */
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

function attributes(tag: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of tag.matchAll(/([\w:-]+)(?:="([^"]*)")?/g)) found.set(match[1]!.toLowerCase(), decode(match[2] ?? ''));
  return found;
}

/** The fields the form posting to `action` sends as it is shown (repeated names as arrays). */
export function pageForm(html: string, action: string): Record<string, string | string[]> {
  const start = html.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form posting to ${action}`);
  const form = html.slice(start, html.indexOf('</form>', start));
  const fields: [string, string][] = [];
  for (const match of form.matchAll(/<input\b([^>]*)>|<(select|textarea)\b([^>]*)>([\s\S]*?)<\/\2>/g)) {
    const kind = match[2] ?? 'input';
    const attrs = attributes(match[1] ?? match[3]!);
    const inner = match[4] ?? '';
    const name = attrs.get('name');
    if (!name || attrs.has('disabled')) continue;
    if (kind === 'input') {
      const type = attrs.get('type') ?? 'text';
      if (type === 'submit' || type === 'button' || type === 'file') continue;
      if ((type === 'checkbox' || type === 'radio') && !attrs.has('checked')) continue;
      fields.push([name, attrs.get('value') ?? (type === 'checkbox' ? 'on' : '')]);
    } else if (kind === 'select') {
      const options = [...inner.matchAll(/<option\b([^>]*)>/g)].map((o) => attributes(o[1]!));
      const chosen = options.find((o) => o.has('selected')) ?? options[0];
      fields.push([name, chosen?.get('value') ?? '']);
    } else {
      fields.push([name, decode(inner).replace(/^\n/, '')]);
    }
  }
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of fields) {
    const had = out[name];
    out[name] = had === undefined ? value : [had, value].flat();
  }
  return out;
}
