import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { WARRANT_SCHEMA } from '../../src/policy/index.js';

describe('WARRANT_SCHEMA', () => {
  it('is the text of src/policy/warrant.cedarschema', async () => {
    const file = await readFile(new URL('../../src/policy/warrant.cedarschema', import.meta.url), 'utf8');
    expect(WARRANT_SCHEMA).toBe(file);
  });
});
