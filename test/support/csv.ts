/**
 * Reads CSV as a spreadsheet would (RFC 4180: quoted fields with doubled quotes and line breaks,
 * CRLF records), to check the exports by what they say rather than by their bytes. Strict: a stray
 * quote, a bare LF between records or a missing final CRLF throws.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"' && field === '') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < text.length && text[i] !== ',' && text[i] !== '\r') throw new Error(`text after a closing quote at ${i}`);
      continue;
    }
    const c = text[i]!;
    if (c === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (c === '\r') {
      if (text[i + 1] !== '\n') throw new Error(`a CR without LF at ${i}`);
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else if (c === '\n' || c === '"') {
      throw new Error(`a bare ${c === '\n' ? 'LF' : 'quote'} at ${i}`);
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || record.length > 0) throw new Error('the last record has no CRLF');
  return records;
}

/** The records of an export with its BOM checked and removed, as objects keyed by the header's names. */
export function csvObjects(body: string): { header: string[]; rows: Record<string, string>[] } {
  if (!body.startsWith('\uFEFF')) throw new Error('no byte order mark');
  const [header, ...records] = parseCsv(body.slice(1));
  if (!header) throw new Error('no header');
  for (const record of records) if (record.length !== header.length) throw new Error(`a record of ${record.length} fields under ${header.length} columns`);
  return { header, rows: records.map((record) => Object.fromEntries(header.map((name, k) => [name, record[k]!]))) };
}
