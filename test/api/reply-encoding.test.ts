// The replies of IssueTaskCredential and RenewLease are encoded by hand (src/api/reply-encoding.ts).
// What it writes must decode, with proto-loader's own decoder, to what proto-loader's encoder gives
// for the same reply: for replies with every field of the proto set (built from the proto itself,
// so a field added there and not in the encoder fails here), with defaults, unicode, big and
// negative numbers, and replies larger than the encoder's buffer.
import type { MessageTypeDefinition } from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { encodeIssueResponse, encodeRenewResponse } from '../../src/api/reply-encoding.js';
import { loadWarrantProto } from '../../src/api/proto.js';

const { definition, warrant } = loadWarrantProto();
const methods = warrant.CredentialService.service;

interface FieldDescriptor {
  name: string;
  number: number;
  label: string;
  type: string;
  typeName: string;
}
interface MessageDescriptor {
  field: FieldDescriptor[];
  oneofDecl: unknown[];
}

function descriptor(typeName: string): { name: string; type: MessageDescriptor } {
  for (const name of [typeName, `warrant.v1.${typeName}`]) {
    const def = definition[name] as MessageTypeDefinition<object, object> | undefined;
    if (def?.format === 'Protocol Buffer 3 DescriptorProto') return { name, type: def.type as unknown as MessageDescriptor };
  }
  throw new Error(`no message ${typeName} in the proto`);
}

function lastEnumName(typeName: string): string {
  const def = (definition[typeName] ?? definition[`warrant.v1.${typeName}`]) as { type: { value: { name: string }[] } };
  return def.type.value[def.type.value.length - 1]!.name;
}

const TEXT = ['plain', 'ünïcödé', '漢字', 'emoji 😀 astral', `long ${'x'.repeat(70)} é`];

/**
 * A message with every field set to a value that is not its default; of a oneof, only `pick`
 * (the first member when undefined). `seed` varies the values between calls.
 */
function fullMessage(typeName: string, seed: number, pick?: string): Record<string, unknown> {
  const { type } = descriptor(typeName);
  const out: Record<string, unknown> = {};
  const inOneof = type.oneofDecl.length > 0;
  const chosen = pick ?? type.field[0]!.name;
  for (const f of type.field) {
    if (inOneof && f.name !== chosen) continue;
    const text = `${f.name}-${seed}-${TEXT[(seed + f.number) % TEXT.length]!}`;
    let value: unknown;
    switch (f.type) {
      case 'TYPE_STRING':
        value = f.label === 'LABEL_REPEATED' ? [text, '', `${text}-2`] : text;
        break;
      case 'TYPE_UINT32':
        value = 4_000_000_000 + seed + f.number;
        break;
      case 'TYPE_INT32':
        value = 999_000_000 + seed;
        break;
      case 'TYPE_INT64':
        value = String(1_700_000_000 + 1000 * seed + f.number);
        break;
      case 'TYPE_ENUM':
        value = lastEnumName(f.typeName);
        break;
      case 'TYPE_MESSAGE':
        value = fullMessage(f.typeName, seed + f.number);
        break;
      default:
        throw new Error(`${typeName}.${f.name}: the test has no value for ${f.type}; does the encoder handle it?`);
    }
    out[f.name] = value;
  }
  return out;
}

type Method = 'IssueTaskCredential' | 'RenewLease';
const encoders: Record<Method, (reply: never) => Buffer> = {
  IssueTaskCredential: encodeIssueResponse,
  RenewLease: encodeRenewResponse,
};

/** Both encodings, decoded by proto-loader with warrant's options. */
function decodedBoth(method: Method, reply: Record<string, unknown>): { ours: unknown; reference: unknown; bytes: Buffer } {
  const m = methods[method];
  const bytes = encoders[method](reply as never);
  return { ours: m.responseDeserialize(bytes), reference: m.responseDeserialize(m.responseSerialize(reply as never)), bytes };
}

function expectSame(method: Method, reply: Record<string, unknown>): Buffer {
  const { ours, reference, bytes } = decodedBoth(method, reply);
  expect(ours).toEqual(reference);
  return bytes;
}

const CREDENTIAL_KINDS = descriptor('warrant.v1.Credential').type.field.map((f) => f.name);

describe('reply encoding', () => {
  it('knows every field of the replies it encodes, with every credential kind', () => {
    expect(CREDENTIAL_KINDS).toEqual(['aws_session', 'oauth_token', 'database_login']);
    for (const [i, kind] of CREDENTIAL_KINDS.entries()) {
      for (const method of ['IssueTaskCredential', 'RenewLease'] as const) {
        const reply = fullMessage(`warrant.v1.${method === 'IssueTaskCredential' ? 'IssueTaskCredentialResponse' : 'RenewLeaseResponse'}`, i);
        reply['credential'] = fullMessage('warrant.v1.Credential', i, kind);
        const { ours } = decodedBoth(method, reply);
        expectSame(method, reply);
        // Nothing fell back to a default: each value set is read back.
        const lease = (ours as { lease: Record<string, unknown> }).lease;
        for (const f of descriptor('warrant.v1.Lease').type.field) expect(lease[f.name], `lease.${f.name}`).toEqual(expect.anything());
        expect(lease['reason']).toBe((reply['lease'] as Record<string, unknown>)['reason']);
        expect((ours as { credential: Record<string, unknown> }).credential[kind]).toBeTruthy();
      }
    }
    const pending = fullMessage('warrant.v1.IssueTaskCredentialResponse', 7);
    expect(pending['pending_approval']).toBeDefined();
    expectSame('IssueTaskCredential', pending);
  });

  it('writes nothing for default values and unset messages', () => {
    expect(encodeIssueResponse({})).toEqual(Buffer.alloc(0));
    const bytes = expectSame('IssueTaskCredential', {
      lease: { id: '', state: 'LEASE_STATE_UNSPECIFIED', scope: [], renewals: 0, trigger: 'TRIGGER_UNSPECIFIED', issued_at: { seconds: '0', nanos: 0 } },
      credential: null,
      pending_approval: null,
    });
    // lease { issued_at {} }: two keys and two lengths.
    expect([...bytes]).toEqual([0x0a, 2, 0x4a, 0]);
  });

  it('keeps big, negative and numeric-string values', () => {
    expectSame('RenewLease', {
      lease: {
        id: 'l',
        state: 2,
        issued_at: { seconds: -1, nanos: 5 },
        expires_at: { seconds: String(2 ** 40), nanos: 999_999_999 },
        max_expires_at: { seconds: Number.MAX_SAFE_INTEGER },
        revoked_at: { seconds: '-62135596800' },
        renewals: 2 ** 32 - 1,
        revocation_attempts: 1,
      },
      credential: { database_login: { port: 65535, valid_until: { seconds: '1', nanos: -1 } } },
    });
  });

  it('writes replies larger than its buffer, and is right again afterwards', () => {
    const big = fullMessage('warrant.v1.IssueTaskCredentialResponse', 1);
    big['credential'] = { oauth_token: { access_token: 'é'.repeat(40_000), scope: Array.from({ length: 2000 }, (_, i) => `scope-${i}`) } };
    expect(expectSame('IssueTaskCredential', big).length).toBeGreaterThan(80_000);
    expectSame('IssueTaskCredential', fullMessage('warrant.v1.IssueTaskCredentialResponse', 2));
  });

  it('refuses an unknown enum name, and the next reply is whole', () => {
    // Fields after `state` are written first (back to front): the failure leaves bytes behind.
    expect(() => encodeIssueResponse({ lease: { id: 'x', state: 'LEASE_STATE_NOT_A_STATE' as never, reason: 'r', scope: ['s'] } })).toThrow(/LEASE_STATE_NOT_A_STATE/);
    expect(encodeIssueResponse({})).toEqual(Buffer.alloc(0));
    expectSame('IssueTaskCredential', fullMessage('warrant.v1.IssueTaskCredentialResponse', 3));
  });
});
