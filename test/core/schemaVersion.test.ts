/** A database ahead of this code (README, Upgrades). */
import { describe, expect, it } from 'vitest';
import { migrationsUnknownHere, newerSchemaMessage } from '../../src/core/schemaVersion.js';

describe('migrationsUnknownHere', () => {
  const known = ['2026-11-27T1200-initial', '2026-11-27T1300-api-tokens'];
  const cases: [executed: string[], unknown: string[]][] = [
    [[], []],
    [['2026-11-27T1200-initial'], []],
    [known, []],
    [[...known, '2099-01-02T0900-b', '2099-01-01T0900-a'], ['2099-01-01T0900-a', '2099-01-02T0900-b']],
    [['2026-11-27T1200-initial', '2026-11-27T1250-renamed'], ['2026-11-27T1250-renamed']],
  ];
  it.each(cases)('%j → %j', (executed, unknown) => {
    expect(migrationsUnknownHere(executed, known)).toEqual(unknown);
  });
});

describe('newerSchemaMessage', () => {
  it('names every migration, and never says corrupted', () => {
    expect(newerSchemaMessage(['a', 'b'])).toMatch(/^the database was migrated by a newer version of Helpdesk \(migrations a, b, unknown to this one\)/);
    expect(newerSchemaMessage(['a'])).not.toMatch(/corrupt/);
  });
});
