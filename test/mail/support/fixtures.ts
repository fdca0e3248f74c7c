/**
 * The hand-written mails of test/fixtures/mail/ (see its README), with their placeholders filled:
 * `{{OUR_ID}}` a Message-ID of ours (an outbox row's, from messageIdFor) and `{{TICKET}}` the
 * number of the ticket it names. Read and written as latin1, so every other byte stays as it is.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FOLDER = fileURLToPath(new URL('../../fixtures/mail/', import.meta.url));

/** Every fixture's name (without `.eml`). */
export const FIXTURES: readonly string[] = readdirSync(FOLDER)
  .filter((name) => name.endsWith('.eml'))
  .map((name) => name.slice(0, -'.eml'.length))
  .sort();

export interface FixtureValues {
  ourId?: string;
  ticket?: number;
}

/** A fixture's bytes with its placeholders filled (a placeholder it holds but is not given is an error). */
export function fixture(name: string, values: FixtureValues = {}): Buffer {
  let text = readFileSync(`${FOLDER}${name}.eml`, 'latin1');
  if (values.ourId !== undefined) text = text.replaceAll('{{OUR_ID}}', values.ourId);
  if (values.ticket !== undefined) text = text.replaceAll('{{TICKET}}', String(values.ticket));
  const left = /\{\{[A-Z_]+\}\}/.exec(text);
  if (left) throw new Error(`fixture ${name} needs a value for ${left[0]}`);
  return Buffer.from(text, 'latin1');
}

/** Whether a fixture names one of our emails or a ticket (so a test must make one first). */
export function placeholdersOf(name: string): { ourId: boolean; ticket: boolean } {
  const text = readFileSync(`${FOLDER}${name}.eml`, 'latin1');
  return { ourId: text.includes('{{OUR_ID}}'), ticket: text.includes('{{TICKET}}') };
}
