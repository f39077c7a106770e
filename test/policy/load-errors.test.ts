import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyEngine, PolicyLoadError, WARRANT_SCHEMA, type PolicyEngineOptions } from '../../src/policy/index.js';

function loadError(files: { name: string; text: string }[], schema = WARRANT_SCHEMA, options: PolicyEngineOptions = {}): PolicyLoadError {
  try {
    PolicyEngine.fromTexts(files, schema, options);
  } catch (error) {
    if (error instanceof PolicyLoadError) return error;
    throw error;
  }
  throw new Error('the policy set loaded');
}

function fields(error: PolicyLoadError): { file: string; line: number | undefined; column: number | undefined; message: string; text: string } {
  return { file: error.file, line: error.line, column: error.column, message: error.message, text: error.toString() };
}

describe('PolicyLoadError', () => {
  it('prints file:line:column: message, leaving out what is unknown', () => {
    expect(new PolicyLoadError('a.cedar', 'bad', { line: 3, column: 7 }).toString()).toBe('a.cedar:3:7: bad');
    expect(new PolicyLoadError('a.cedar', 'bad', { line: 3, column: undefined }).toString()).toBe('a.cedar:3: bad');
    expect(new PolicyLoadError('a.cedar', 'bad').toString()).toBe('a.cedar: bad');
    const error = new PolicyLoadError('a.cedar', 'bad');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PolicyLoadError');
    expect(error.line).toBeUndefined();
  });
});

describe('loading a policy set that is wrong', () => {
  it('names file, line and column of an attribute the schema does not have', () => {
    const error = loadError([
      { name: 'ok.cedar', text: 'permit (principal, action, resource);\n' },
      { name: 'bad.cedar', text: '// first\npermit (principal, action, resource);\n\npermit (principal, action, resource)\nwhen { context.task.team == "x" };\n' },
    ]);
    expect(fields(error)).toEqual({
      file: 'bad.cedar',
      line: 5,
      column: 8,
      message: 'for policy `bad.cedar:2`, attribute `team` on entity type `Task` not found (did you mean `chain`?)',
      text: 'bad.cedar:5:8: for policy `bad.cedar:2`, attribute `team` on entity type `Task` not found (did you mean `chain`?)',
    });
  });

  it('counts columns in characters after non-ASCII text', () => {
    const error = loadError([{ name: 'bad.cedar', text: '@id("café")\npermit (principal, action, resource) when { "é" == "é" && principal.team == "x" };\n' }]);
    // 58 characters (61 bytes) precede `principal.team` on line 2.
    expect(fields(error)).toMatchObject({ file: 'bad.cedar', line: 2, column: 59 });
  });

  it('reports the first of several validation errors and how many follow', () => {
    const error = loadError([
      { name: 'bad.cedar', text: 'permit (principal, action, resource) when { resource.owner == "x" };\npermit (principal, action, resource) when { principal.team == "x" };\n' },
    ]);
    expect(error.toString()).toBe(
      'bad.cedar:1:45: for policy `bad.cedar:1`, attribute `owner` on entity type `Provider` not found (did you mean `kind`?) (and 1 more validation errors)',
    );
  });

  it('rejects a tag read without hasTag', () => {
    const error = loadError([{ name: 't.cedar', text: 'permit (principal, action, resource) when { context.task.getTag("environment") == "prod" };' }]);
    expect(error.toString()).toBe(
      't.cedar:1:45: for policy `t.cedar:1`, unable to guarantee safety of access to tag `"environment"` on entity type `Task` (try testing for the tag\'s presence with `.hasTag("environment") && ..`)',
    );
  });

  it('names file and line of a syntax error', () => {
    const error = loadError([{ name: 'syntax.cedar', text: 'permit (principal, action, resource);\n\npermit (principal, action resource);\n' }]);
    expect(fields(error)).toEqual({
      file: 'syntax.cedar',
      line: 3,
      column: 27,
      message: 'unexpected token `resource`: expected `!=`, `)`, `,`, `:`, `<`, `<=`, `==`, `>`, `>=`, `in`, or `is`',
      text: 'syntax.cedar:3:27: unexpected token `resource`: expected `!=`, `)`, `,`, `:`, `<`, `<=`, `==`, `>`, `>=`, `in`, or `is`',
    });
  });

  it('rejects an unknown action', () => {
    const error = loadError([{ name: 'a.cedar', text: 'permit (principal, action == Action::"mint", resource);' }]);
    expect(fields(error)).toMatchObject({ file: 'a.cedar', line: 1, column: 30 });
    expect(error.message).toBe('for policy `a.cedar:1`, unrecognized action `Action::"mint"` (did you mean `Action::"renew"`?)');
  });

  it('rejects a duplicate @id across files, pointing at the second', () => {
    const error = loadError([
      { name: 'a.cedar', text: '@id("same")\npermit (principal, action == Action::"issue", resource);\n' },
      { name: 'b.cedar', text: 'permit (principal, action == Action::"renew", resource);\n\n  @id("same")\npermit (principal, action == Action::"revoke", resource);\n' },
    ]);
    expect(error.toString()).toBe('b.cedar:3:3: duplicate policy id "same" (first defined at a.cedar:1:1)');
  });

  it('rejects an @id that collides with a default id', () => {
    const error = loadError([{ name: 'a.cedar', text: 'permit (principal, action, resource);\n@id("a.cedar:1")\npermit (principal, action, resource);\n' }]);
    expect(error.toString()).toBe('a.cedar:2:1: duplicate policy id "a.cedar:1" (first defined at a.cedar:1:1)');
  });

  it('rejects an @id without a value', () => {
    const error = loadError([{ name: 'a.cedar', text: '@id\npermit (principal, action, resource);' }]);
    expect(error.toString()).toBe('a.cedar:1:1: @id needs a non-empty value, as in @id("name")');
  });

  it('rejects an @approval other than "required"', () => {
    const error = loadError([{ name: 'a.cedar', text: '@id("p") @approval("requried")\npermit (principal, action, resource);' }]);
    expect(error.toString()).toBe('a.cedar:1:1: policy "p": @approval accepts only "required"');
  });

  it('rejects @approval on a forbid', () => {
    const error = loadError([{ name: 'a.cedar', text: '\n@approval("required") forbid (principal, action, resource);' }]);
    expect(error.toString()).toBe('a.cedar:2:1: policy "a.cedar:1": @approval applies only to permit policies');
  });

  it('rejects templates', () => {
    const error = loadError([{ name: 'a.cedar', text: 'permit (principal, action, resource);\npermit (principal == ?principal, action, resource);\n' }]);
    expect(error.toString()).toBe(
      'a.cedar:2:22: failed to parse policy from string: expected a static policy, got a template containing the slot ?principal (try removing the template slot(s) from this policy)',
    );
  });

  it('rejects the same file name twice', () => {
    const error = loadError([
      { name: 'a.cedar', text: '' },
      { name: 'a.cedar', text: '' },
    ]);
    expect(error.toString()).toBe('a.cedar: policy file name "a.cedar" is given twice');
  });

  it('names the line and column of a schema error', () => {
    const error = loadError([], 'entity Workload;\nentity Provider { kind: Strin };\n');
    expect(error.toString()).toBe('schema.cedarschema:2:25: failed to resolve type: Strin (`Strin` has not been declared as a common or entity type)');
  });

  it('rejects a schema our requests do not fit', () => {
    const schema = WARRANT_SCHEMA.replace('"admin.approve"', '"admin.approval"');
    const error = loadError([], schema);
    expect(error.toString()).toBe(
      'schema.cedarschema: a sample "admin.approve" request does not fit the schema: action `Action::"admin.approve"` does not exist in the supplied schema',
    );
  });
});

describe('group configuration', () => {
  it.each<[string, PolicyEngineOptions['groups'], string]>([
    ['no scheme', [{ name: 'g', match: ['example.org/agents/*'] }], 'groups: groups[0].match[0] "example.org/agents/*": must start with "spiffe://"'],
    ['wildcard trust domain', [{ name: 'g', match: ['spiffe://*/agents'] }], 'groups: groups[0].match[0] "spiffe://*/agents": the trust domain must be literal lower-case letters, digits, ".", "-" or "_"'],
    ['** not last', [{ name: 'g', match: ['spiffe://example.org/a', 'spiffe://example.org/**/x'] }], 'groups: groups[0].match[1] "spiffe://example.org/**/x": "**" may only be the last segment'],
    ['partial wildcard', [{ name: 'g', match: ['spiffe://example.org/agent-*'] }], 'groups: groups[0].match[0] "spiffe://example.org/agent-*": segment "agent-*" must be "*", "**" or letters, digits, ".", "-" and "_"'],
    ['empty segment', [{ name: 'g', match: ['spiffe://example.org//a'] }], 'groups: groups[0].match[0] "spiffe://example.org//a": segment "" must be "*", "**" or letters, digits, ".", "-" and "_"'],
    ['empty name', [{ name: '', match: [] }], 'groups: groups[0].name must be a non-empty string'],
    ['same name twice', [{ name: 'g', match: [] }, { name: 'g', match: [] }], 'groups: groups[1].name "g" is configured twice'],
  ])('rejects %s', (_name, groups, text) => {
    expect(loadError([], WARRANT_SCHEMA, { groups: groups ?? [] }).toString()).toBe(text);
  });
});

describe('PolicyEngine.loadDir errors', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'warrant-policy-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the file by its path in the directory', async () => {
    await writeFile(join(dir, 'a.cedar'), 'permit (principal, action, resource);\n');
    await writeFile(join(dir, 'b.cedar'), 'permit (principal, action, resource) when { principal.team == "x" };\n');
    const error = await PolicyEngine.loadDir(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyLoadError);
    expect(String(error)).toBe(
      `${join(dir, 'b.cedar')}:1:45: for policy \`b.cedar:1\`, attribute \`team\` on entity type \`Workload\` not found (did you mean \`path\`?)`,
    );
  });

  it('names the schema file in the directory', async () => {
    await writeFile(join(dir, 'schema.cedarschema'), 'entity Workload\n');
    const error = await PolicyEngine.loadDir(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyLoadError);
    expect(String(error)).toBe(
      `${join(dir, 'schema.cedarschema')}:1:16: failed to parse schema from string: error parsing schema: unexpected end of input: expected \`,\`, \`;\`, \`=\`, \`{\`, \`enum\`, \`in\`, or \`tags\``,
    );
  });

  it('reports a missing directory', async () => {
    const missing = join(dir, 'missing');
    const error = await PolicyEngine.loadDir(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyLoadError);
    expect(String(error)).toBe(`${missing}: cannot read the policy directory (ENOENT)`);
  });
});
