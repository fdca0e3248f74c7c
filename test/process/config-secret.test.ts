/**
 * The generated signing key (SECRET_KEY unset, outside production): kept beside the SQLite file,
 * never written for an in-memory database, and never made by reading the configuration, so the
 * command-line tools on PostgreSQL leave no ./data/secret.key behind. An empty SQLite path is a
 * configuration error. Before, `sqlite::memory:` and `sqlite:` wrote ./secret.key into whatever
 * directory the process ran in: one was committed at the repository's root.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, signingKey } from '../../src/config.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'helpdesk-secret-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs `action` with `dir` as the working directory (test files run one at a time per process). */
function inDirectory<T>(dir: string, action: () => T): T {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return action();
  } finally {
    process.chdir(before);
  }
}

describe('the generated signing key', () => {
  it('is kept beside the SQLite file, readable by its owner only, and the same at the next start', () => {
    const dir = tempDir();
    const config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'hd', 'helpdesk.sqlite')}` });
    expect(config.secretKey).toBeUndefined();
    const key = signingKey(config);
    const file = join(dir, 'hd', 'secret.key');
    expect(readFileSync(file, 'utf8')).toBe(`${key}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(signingKey(config)).toBe(key);
  });

  it('is SECRET_KEY when given, and nothing is written', () => {
    const dir = tempDir();
    const config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'helpdesk.sqlite')}`, SECRET_KEY: 'k'.repeat(32) });
    expect(signingKey(config)).toBe('k'.repeat(32));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is a fresh one per start for an in-memory database, never written', () => {
    const dir = tempDir();
    const keys = inDirectory(dir, () => {
      const config = loadConfig({ DATABASE_URL: 'sqlite::memory:' });
      return [signingKey(config), signingKey(config)];
    });
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(keys[1]).not.toBe(keys[0]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is not made by reading the configuration: a command on PostgreSQL leaves no ./data/secret.key', () => {
    const dir = tempDir();
    const config = inDirectory(dir, () => loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/helpdesk' }));
    expect(config.secretKey).toBeUndefined();
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });
});

describe('DATABASE_URL', () => {
  it('refuses sqlite: with no path (a temporary database lost at stop) in one line, writing nothing', () => {
    const dir = tempDir();
    expect(() => inDirectory(dir, () => loadConfig({ DATABASE_URL: 'sqlite:' }))).toThrow(
      /^Configuration error: DATABASE_URL names no SQLite file: give its path \(sqlite:\.\/data\/helpdesk\.sqlite\), or sqlite::memory: for a throw-away database$/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});
