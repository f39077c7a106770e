import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actionProblem, arnProblem, globCovers, resolveAwsScope, sessionPolicyFor, checkedEntries } from '../../src/providers/aws-sts/scope.js';
import { warrantErrorOf } from './oauth-jwt-fixtures.js';

const CEILING = [
  { resource: 'arn:aws:s3:::reports/*', actions: ['s3:GetObject', 's3:List*'] },
  { resource: 'arn:aws:s3:::reports/2026/*', actions: ['s3:PutObject'] },
  { resource: 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders', actions: ['dynamodb:GetItem', 'dynamodb:Query'] },
  { resource: '*', actions: ['sts:GetCallerIdentity'] },
];
const resolve = (requested: string[], defaults: string[] = []) => resolveAwsScope(requested, CEILING, defaults, 'reports');
const scopeError = (message: string) => ({ code: 'ERR_SCOPE_INVALID', message });

describe('aws-sts scope grammar', () => {
  it.each([
    ['s3:GetObject', undefined],
    ['s3:Get*', undefined],
    ['S3:GetObject', undefined],
    ['dynamodb:Batch?etItem', undefined],
    ['GetObject', 'an action is service:Action, e.g. s3:GetObject'],
    ['*', 'an action is service:Action, e.g. s3:GetObject'],
    ['*:GetObject', 'the service prefix must be named, without wildcards'],
    ['s3*:GetObject', 'the service prefix must be named, without wildcards'],
    ['s_3:GetObject', 'the service prefix must be letters, digits and -'],
    [':GetObject', 'the service prefix must be letters, digits and -'],
    ['s3:', 'the action name must be 1-128 letters and digits, with * and ? as wildcards'],
    ['s3:Get Object', 'the action name must be 1-128 letters and digits, with * and ? as wildcards'],
    ['s3:Get:Object', 'the action name must be 1-128 letters and digits, with * and ? as wildcards'],
  ])('action %j → %j', (text, problem) => {
    expect(actionProblem(text)).toBe(problem);
  });

  it.each([
    ['*', undefined],
    ['arn:aws:s3:::reports/*', undefined],
    ['arn:aws-cn:s3:::reports', undefined],
    ['arn:aws:dynamodb:eu-west-1:123456789012:table/orders', undefined],
    ['arn:aws:logs:*:123456789012:log-group:/agents/*:*', undefined],
    ['arn:aws:s3:::reports/a=b,c', undefined],
    ['reports/*', 'a resource is an ARN, arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, or *'],
    ['arn:aws:s3:::', 'the resource part is empty'],
    ['arn:gcp:s3:::x', 'partition "gcp" is not an AWS partition'],
    ['arn:aws:S3:::x', 'service "S3" must be lower-case letters, digits and -'],
    ['arn:aws:s3:EU_WEST:::x', 'region "EU_WEST" must be lower-case letters, digits and -'],
    ['arn:aws:s3::12345:x', 'account "12345" must be a 12-digit account id'],
    ['arn:aws:s3::*:x', undefined],
    ['arn:aws:s3:::reports/${aws:username}', 'the resource part must be printable ASCII without spaces, quotes, backslashes or policy variables (${…})'],
    ['arn:aws:s3:::my reports', 'the resource part must be printable ASCII without spaces, quotes, backslashes or policy variables (${…})'],
    ['arn:aws:s3:::a"b', 'the resource part must be printable ASCII without spaces, quotes, backslashes or policy variables (${…})'],
    [`arn:aws:s3:::${'x'.repeat(2040)}`, 'it is longer than 2048 characters'],
  ])('resource %j → %j', (text, problem) => {
    expect(arnProblem(text)).toBe(problem);
  });
});

describe('globCovers', () => {
  it.each([
    ['arn:aws:s3:::reports/*', 'arn:aws:s3:::reports/2026/q1.csv', true],
    ['arn:aws:s3:::reports/*', 'arn:aws:s3:::reports/*', true],
    ['arn:aws:s3:::reports/*', 'arn:aws:s3:::reports/2026/*', true],
    ['arn:aws:s3:::reports/*', 'arn:aws:s3:::report*', false],
    ['arn:aws:s3:::reports/*', 'arn:aws:s3:::reportsX', false],
    ['arn:aws:s3:::reports/?', 'arn:aws:s3:::reports/*', false],
    ['arn:aws:s3:::reports/?', 'arn:aws:s3:::reports/?', true],
    ['arn:aws:s3:::reports/*', 'arn:aws:s3:::reports/?', true],
    ['*', '*', true],
    ['*', 'anything', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'a*c', false],
    ['a*b', 'ab', true],
    ['', '', true],
    ['a', '', false],
  ])('%j covers %j: %s', (pattern, text, expected) => {
    expect(globCovers(pattern, text)).toBe(expected);
  });

  // Soundness: when a pattern is said to cover a wildcard text, every string the text can stand for matches the pattern.
  it('never claims a cover that some expansion of the text breaks', () => {
    const alphabet = fc.constantFrom('a', 'b', '/', '*', '?');
    const word = fc.array(alphabet, { maxLength: 8 }).map((cs) => cs.join(''));
    const expansion = fc.array(fc.constantFrom('a', 'b', '/'), { maxLength: 3 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(word, word, fc.array(expansion, { minLength: 8, maxLength: 8 }), (pattern, text, fills) => {
        if (!globCovers(pattern, text)) return;
        let i = 0;
        const concrete = text.replace(/[*?]/g, (w) => (w === '*' ? fills[i++ % fills.length]! : (fills[i++ % fills.length]! + 'a').slice(0, 1)));
        const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
        expect(re.test(concrete)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('aws-sts resolveScope', () => {
  it('accepts entries inside the ceiling, merges by resource and lower-cases the service prefix', () => {
    expect(
      resolve([
        'S3:GetObject=arn:aws:s3:::reports/2026/*',
        's3:ListBucket,s3:GetObject=arn:aws:s3:::reports/2026/*',
        'dynamodb:Query=arn:aws:dynamodb:eu-west-1:123456789012:table/orders',
        's3:GetObject=arn:aws:s3:::reports/2026/*',
      ]),
    ).toStrictEqual([
      's3:GetObject,s3:ListBucket=arn:aws:s3:::reports/2026/*',
      'dynamodb:Query=arn:aws:dynamodb:eu-west-1:123456789012:table/orders',
    ]);
  });

  it('lets one ceiling entry allow what another does not, for a resource both cover', () => {
    expect(resolve(['s3:PutObject,s3:GetObject=arn:aws:s3:::reports/2026/x.csv'])).toStrictEqual([
      's3:PutObject,s3:GetObject=arn:aws:s3:::reports/2026/x.csv',
    ]);
  });

  it('accepts a wildcard action the ceiling covers and compares action names without case', () => {
    expect(resolve(['s3:listbucket*=arn:aws:s3:::reports/a'])).toStrictEqual(['s3:listbucket*=arn:aws:s3:::reports/a']);
  });

  it('gives the defaults for an empty request and refuses an empty scope without defaults', async () => {
    expect(resolve([], ['s3:GetObject=arn:aws:s3:::reports/*'])).toStrictEqual(['s3:GetObject=arn:aws:s3:::reports/*']);
    expect(await warrantErrorOf(() => resolve([]))).toStrictEqual(
      scopeError(
        "provider 'reports' needs a scope: name at least one ACTION[,ACTION…]=RESOURCE_ARN (e.g. s3:GetObject=arn:aws:s3:::reports/*) (a session without one could do everything the role can)",
      ),
    );
  });

  it.each([
    ['s3:PutObject=arn:aws:s3:::reports/2025/x', 'action "s3:PutObject" on "arn:aws:s3:::reports/2025/x" is outside the ceiling'],
    ['s3:GetObject=arn:aws:s3:::payroll/x', 'action "s3:GetObject" on "arn:aws:s3:::payroll/x" is outside the ceiling'],
    ['s3:Get*=arn:aws:s3:::reports/x', 'action "s3:Get*" on "arn:aws:s3:::reports/x" is outside the ceiling'],
    ['s3:GetObject=arn:aws:s3:::*', 'action "s3:GetObject" on "arn:aws:s3:::*" is outside the ceiling'],
    ['s3:GetObject=*', 'action "s3:GetObject" on "*" is outside the ceiling'],
    ['s3:GetObject', 'it is not ACTION[,ACTION…]=RESOURCE_ARN (e.g. s3:GetObject=arn:aws:s3:::reports/*)'],
    ['=arn:aws:s3:::reports/x', 'it names no action before ='],
    ['s3:GetObject,,s3:ListBucket=arn:aws:s3:::reports/x', 'it has an empty action (two commas, or a comma at an end)'],
    ['GetObject=arn:aws:s3:::reports/x', 'action "GetObject": an action is service:Action, e.g. s3:GetObject'],
    ['s3:GetObject=reports/x', 'resource "reports/x": a resource is an ARN, arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, or *'],
  ])('refuses %j', async (entry, problem) => {
    expect(await warrantErrorOf(() => resolve([entry]))).toStrictEqual(scopeError(`scope entry ${JSON.stringify(entry)} for provider 'reports': ${problem}`));
  });

  it('names the resource when no ceiling entry covers it at all', async () => {
    const narrow = CEILING.filter((c) => c.resource !== '*');
    expect(await warrantErrorOf(() => resolveAwsScope(['s3:GetObject=arn:aws:s3:::payroll/x'], narrow, [], 'reports'))).toStrictEqual(
      scopeError(`scope entry "s3:GetObject=arn:aws:s3:::payroll/x" for provider 'reports': resource "arn:aws:s3:::payroll/x" is outside the ceiling`),
    );
  });

  it('refuses a scope whose session policy would pass AWS’s 2048 characters', async () => {
    const entries = Array.from({ length: 30 }, (_, i) => `s3:GetObject,s3:ListBucket=arn:aws:s3:::reports/department-${i}/*`);
    const policy = sessionPolicyFor(checkedEntries(entries, CEILING, 'reports'));
    expect(await warrantErrorOf(() => resolve(entries))).toStrictEqual(
      scopeError(
        `the session policy for this scope is ${policy.length} characters; AWS allows 2048: request fewer entries or use wildcards the ceiling of provider 'reports' allows`,
      ),
    );
  });

  it('refuses anything but strings', async () => {
    expect(await warrantErrorOf(() => resolve([7 as unknown as string]))).toStrictEqual(
      scopeError("every scope entry requested from provider 'reports' must be a string"),
    );
  });

  it('builds one Allow statement per resource as compact JSON', () => {
    const entries = checkedEntries(['s3:GetObject=arn:aws:s3:::reports/a', 's3:GetObject,s3:ListBucket=arn:aws:s3:::reports/b'], CEILING, 'reports');
    expect(sessionPolicyFor(entries)).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/a"},' +
        '{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::reports/b"}]}',
    );
  });
});
