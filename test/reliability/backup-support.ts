/**
 * README's backup procedures as README writes them: its items read from README.md, so a test runs
 * the very commands an operator copies, and a change to them is tested.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DbHandle } from '../../src/db/connect.js';
import { systemClock } from '../../src/services/context.js';
import { TicketIntake } from '../../src/services/intake.js';
import { ROOT } from '../support/process.js';
import { ticketForm } from '../mail/support/testbed.js';

/** The text of README's list item that starts `- **<title>:**`, up to the next item. */
export function readmeItem(title: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`- **${title}:**`);
  if (start < 0) throw new Error(`README has no item '${title}'`);
  const end = readme.indexOf('\n- **', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Every command of an item that starts with `program`: in backticks, or a line of a code block. */
export function readmeCommands(item: string, program: string): string[] {
  const inline = [...item.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  const blocks = [...item.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').map((line) => line.trim()));
  const found = [...inline, ...blocks].filter((c) => c.startsWith(`${program} `));
  if (found.length === 0) throw new Error(`README's item names no ${program} command: ${item}`);
  return found;
}

/** A command line run by bash in `dir`; what it printed and how it ended. */
export function shell(line: string, dir: string, env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', ['-c', line], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Tickets made as customers make them, titled, each with a file of its own (files live in the database too). */
export async function ticketsTitled(handle: DbHandle, titles: readonly string[]): Promise<void> {
  const intake = new TicketIntake({ handle, clock: systemClock, publicUrl: 'https://help.example.com' });
  for (const title of titles) await intake.submit(ticketForm({ title }), { files: [{ filename: `${title}.txt`, contentType: 'text/plain', content: fileOf(title) }] });
}

/** The bytes of the file ticketsTitled attaches to the ticket `title`. */
function fileOf(title: string): Buffer {
  return Buffer.from(`the file of ${title}`);
}

/**
 * The database's tickets in order, each as `<title>` when its file came back whole (name and bytes),
 * else with what was found instead: a restore that brings back tickets without their files shows.
 */
export async function ticketsWithFiles(handle: DbHandle): Promise<string[]> {
  const rows = await handle.db
    .selectFrom('tickets as t')
    .leftJoin('attachments as a', 'a.ticket_id', 't.id')
    .leftJoin('files as f', 'f.sha256', 'a.file_sha256')
    .select(['t.title', 'a.filename', 'f.content'])
    .orderBy('t.id')
    .execute();
  return rows.map((r) => {
    const whole = r.filename === `${r.title}.txt` && r.content !== null && Buffer.from(r.content).equals(fileOf(r.title));
    return whole ? r.title : `${r.title} (file ${JSON.stringify(r.filename)}: ${r.content === null ? 'no content' : JSON.stringify(Buffer.from(r.content).toString())})`;
  });
}
