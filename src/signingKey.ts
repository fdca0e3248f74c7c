/** The key that signs cookies and CSRF tokens (SECRET_KEY, or one kept in a file), beside config.ts. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Config, ConfigError } from './config.js';
import { secretKeyFile } from './core/databaseUrl.js';

/**
 * The key that signs cookies and CSRF tokens: SECRET_KEY, else (outside production) one generated
 * once and kept in secretKeyFile (beside the SQLite file; ./data/secret.key on PostgreSQL). An
 * in-memory database gets a fresh key per start, never written. Only the server calls this: the
 * command-line tools sign nothing, so they leave no key file behind.
 */
export function signingKey(config: Pick<Config, 'secretKey' | 'databaseUrl'>): string {
  if (config.secretKey !== undefined) return config.secretKey;
  const file = secretKeyFile(config.databaseUrl);
  if (file === null) return randomBytes(32).toString('hex');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    // Created only if missing ('wx'): of processes starting together one key is written, and every
    // one of them reads that one below.
    try {
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return keptKey(file);
}

/** Checks of a key file another process has just created and not yet written (a few ms). */
const KEY_FILE_READS = 50;

/** The key in `file`; a file without one (emptied, cut short) stops start-up rather than sign with it. */
function keptKey(file: string): string {
  for (let read = 1; ; read++) {
    const key = readFileSync(file, 'utf8').trim();
    if (key.length >= 32) return key;
    if (read === KEY_FILE_READS) {
      throw new ConfigError(`Configuration error: SECRET_KEY is unset and ${file} holds no key of 32 characters or more: delete the file (a new key is made) or set SECRET_KEY`);
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
}
