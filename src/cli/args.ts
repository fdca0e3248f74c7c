/**
 * The operations commands' command lines: `--key value` options, bare `--flag`s, and `--help`/`-h`.
 * Strict: an option the command does not know or given twice, a value after a flag, an option
 * without its value or a stray word is a usage error (UsageError: one line naming it, then the usage; exit code 2) before
 * anything is opened, so a typo (`token:create --inboud`) never runs as if it had been left out.
 */
import { CommandError } from './run.js';

/** What one command accepts. */
export interface CommandLine {
  /** Its usage line, printed by --help and after a usage error. */
  usage: string;
  /** Options that take a value (`--name "…"`). */
  values?: readonly string[];
  /** Options that take none (`--inbound`). */
  flags?: readonly string[];
  /** An option's own line when it is misused (a value option without its value, a flag given one). */
  misuse?: Readonly<Record<string, string>>;
  /** How many bare words (a subcommand and its argument: `outbox retry 12`) it takes; none unless said. */
  words?: number;
}

/** A command line read by `parseCommandLine`: its options, and its bare words in order. */
export interface ParsedCommandLine {
  options: Record<string, string | true>;
  words: string[];
}

/** A usage mistake: its line, then the usage; exit code 2. */
export class UsageError extends CommandError {
  constructor(message: string, usage: string) {
    super(`${message}\n${usage}`, 2);
    this.name = 'UsageError';
  }
}

/**
 * The options of `argv` by `line`, or null when it asks for help (`--help` or `-h` anywhere).
 * Throws UsageError for anything `line` does not accept.
 */
export function parseArgs(argv: readonly string[], line: CommandLine): Record<string, string | true> | null {
  return parseCommandLine(argv, line)?.options ?? null;
}

/** As parseArgs, with the bare words `line.words` allows (beyond them, a word is a usage error). */
export function parseCommandLine(argv: readonly string[], line: CommandLine): ParsedCommandLine | null {
  if (argv.includes('--help') || argv.includes('-h')) return null;
  const values = new Set(line.values ?? []);
  const flags = new Set(line.flags ?? []);
  const out: Record<string, string | true> = {};
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') && words.length < (line.words ?? 0)) {
      words.push(arg);
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') throw new UsageError(`Unexpected argument ${JSON.stringify(arg)}.`, line.usage);
    const key = arg.slice(2);
    const next = argv[i + 1];
    // Else the last would win without a word (`--role agent … --role admin`).
    if (Object.hasOwn(out, key)) throw new UsageError(`${arg} is given twice.`, line.usage);
    if (flags.has(key)) {
      if (next !== undefined && !next.startsWith('-') && line.misuse?.[key]) throw new UsageError(line.misuse[key], line.usage);
      out[key] = true;
    } else if (values.has(key)) {
      if (next === undefined || next.startsWith('--')) throw new UsageError(line.misuse?.[key] ?? `--${key} needs a value.`, line.usage);
      out[key] = next;
      i++;
    } else throw new UsageError(`Unknown option ${arg}.`, line.usage);
  }
  return { options: out, words };
}
