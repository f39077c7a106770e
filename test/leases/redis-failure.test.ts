import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { WarrantError } from '../../src/core/index.js';
import { redisFailure } from '../../src/leases/redis/redis-failure.js';

function replyError(message: string, args: unknown[]): Error {
  const err = new Error(message) as Error & { command?: unknown };
  err.name = 'ReplyError';
  err.command = { name: 'hello', args };
  return err;
}

describe('redisFailure', () => {
  it('keeps the password out of the message and the cause, even when the failed command carried it', () => {
    const err = replyError('LOADING Redis is loading the dataset in memory', [3, 'AUTH', 'default', 'pw-123']);
    const failure = redisFailure(err, 'renew', ['pw-123']);
    expect({ code: failure.code, message: failure.message }).toEqual({
      code: 'ERR_STORE_UNAVAILABLE',
      message: 'lease store unavailable during renew: LOADING Redis is loading the dataset in memory',
    });
    expect(inspect(failure, { depth: 10 })).not.toContain('pw-123');
  });

  it('scrubs secrets and URL credentials that appear in a message', () => {
    const err = new Error('cannot reach redis://admin:pw-123@cache:6379 with pw-123');
    const failure = redisFailure(err, 'ping', ['pw-123']);
    expect(failure.message).toBe('lease store unavailable during ping: cannot reach redis://***@cache:6379 with ***');
    expect((failure.cause as Error).message).toBe('cannot reach redis://***@cache:6379 with ***');
  });

  it('treats connection errors as unavailable and other server replies as internal', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    expect(redisFailure(refused, 'get', []).code).toBe('ERR_STORE_UNAVAILABLE');
    expect(redisFailure(refused, 'get', []).cause).toMatchObject({ code: 'ECONNREFUSED' });
    const maxRetries = Object.assign(new Error('Reached the max retries per request limit (which is 1).'), {
      name: 'MaxRetriesPerRequestError',
    });
    expect(redisFailure(maxRetries, 'get', []).code).toBe('ERR_STORE_UNAVAILABLE');
    expect(redisFailure(new Error('Connection is closed.'), 'get', []).code).toBe('ERR_STORE_UNAVAILABLE');
    expect(redisFailure(replyError('READONLY You can\'t write against a read only replica.', []), 'renew', []).code).toBe(
      'ERR_STORE_UNAVAILABLE',
    );
    expect(redisFailure(replyError('ERR Error running script', []), 'renew', []).code).toBe('ERR_INTERNAL');
  });

  it('passes WarrantErrors through', () => {
    const original = new WarrantError('ERR_LEASE_NOT_FOUND', 'lease x not found');
    expect(redisFailure(original, 'get', [])).toBe(original);
  });
});
