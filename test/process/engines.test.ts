/**
 * package.json `engines` promises only Node versions every locked package accepts (the lockfile
 * lists them all, other platforms' optional binaries included), so a newcomer on an allowed Node
 * gets a working install, tests and lint; and this machine's Node is one of them.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * npm's own range logic. Not a declared dependency (adding one is not this test's business): it is
 * always installed, under better-sqlite3 (prebuild-install → node-abi), and ships no types.
 */
const semver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string): boolean;
  subset(sub: string, range: string): boolean;
};

const ROOT = join(import.meta.dirname, '../..');

/**
 * Declare Node ≥ 22 as a policy but work on Node 20 (plain JavaScript, no newer API; the suite
 * runs on Node 20): the README says npm warns about them there.
 */
const KNOWN_STRICTER = new Set(['node_modules/cookie', 'node_modules/content-disposition']);

interface Locked {
  version?: string;
  engines?: { node?: string } | string[];
  hasInstallScript?: boolean;
  allowScripts?: Record<string, boolean>;
}

const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Locked> };
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Locked;

function nodeRange(entry: Locked | undefined): string | undefined {
  return entry?.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
}

describe('engines', () => {
  const ours = nodeRange(manifest) ?? '*';

  it('are the same in package.json and the lockfile, and accept the Node running the tests', () => {
    expect(nodeRange(lock.packages[''])).toBe(ours);
    expect(semver.satisfies(process.version, ours), `${process.version} against ${ours}`).toBe(true);
  });

  it('promise no Node version a locked package refuses', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !KNOWN_STRICTER.has(path) && nodeRange(entry) && !semver.subset(ours, nodeRange(entry)!))
      .map(([path, entry]) => `${path}@${entry.version} wants ${nodeRange(entry)}`);
    expect(refusing).toEqual([]);
  });
});

/**
 * npm 11 warns on a fresh `npm install` about every package whose install script package.json's
 * `allowScripts` does not name (and is to refuse to run them): the native ones must be named, or a
 * newcomer's install ends in warnings and, once npm enforces it, without argon2's or
 * better-sqlite3's binary on a platform without a prebuilt one.
 */
describe('install scripts', () => {
  it('are all allowed in package.json, and only those', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
      .sort();
    const allowed = Object.entries(manifest.allowScripts ?? {})
      .filter(([, allow]) => allow)
      .map(([name]) => name)
      .sort();
    expect(allowed).toEqual([...new Set(withScripts)]);
  });
});
