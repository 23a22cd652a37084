import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';

// Each NAME.yaml with a NAME.expected beside it is a config relay must refuse;
// NAME.expected holds the exact problem lines. The e2e CLI test runs the same
// pairs under the real environment, so no fixture may depend on a set variable.
const dir = join(import.meta.dirname, '../fixtures/config');
const pairs = readdirSync(dir)
  .filter((f) => f.endsWith('.expected'))
  .map((f) => f.slice(0, -'.expected'.length))
  .sort();

function problemsOf(text: string): readonly string[] {
  try {
    parseConfig(text, { env: {}, baseDir: dir });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('the config was accepted');
}

describe('bad config fixtures', () => {
  it('has the cases the contract names', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(10);
  });

  it.each(pairs)('%s.yaml is refused with exactly the expected problems', (name) => {
    const expected = readFileSync(join(dir, `${name}.expected`), 'utf8');
    const problems = problemsOf(readFileSync(join(dir, `${name}.yaml`), 'utf8'));
    expect(problems).toEqual(expected.trimEnd().split('\n'));
  });
});
