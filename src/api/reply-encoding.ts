// Protobuf encoding of the replies on the issue path (IssueTaskCredential and RenewLease), written
// straight from the reply objects the handlers build. proto-loader's serializer first copies a
// reply into protobufjs messages (fromObject), then encodes them: two and a half times the cost
// here, on every issue and renewal. Every other reply still goes through proto-loader.
// test/api/reply-encoding.test.ts decodes what this writes with protobufjs, for a reply with every
// field of these messages set, so a field added to the proto and not here fails it.
import type { AwsSession } from '../gen/warrant/v1/AwsSession.js';
import type { Credential } from '../gen/warrant/v1/Credential.js';
import type { DatabaseLogin } from '../gen/warrant/v1/DatabaseLogin.js';
import type { IssueTaskCredentialResponse } from '../gen/warrant/v1/IssueTaskCredentialResponse.js';
import type { Lease } from '../gen/warrant/v1/Lease.js';
import type { OAuthToken } from '../gen/warrant/v1/OAuthToken.js';
import type { PendingApproval } from '../gen/warrant/v1/PendingApproval.js';
import type { RenewLeaseResponse } from '../gen/warrant/v1/RenewLeaseResponse.js';
import type { Timestamp } from '../gen/google/protobuf/Timestamp.js';
import { loadWarrantProto } from './proto.js';

const VARINT = 0;
const LENGTH_DELIMITED = 2;
const key = (field: number, wireType: number): number => field * 8 + wireType;
/** Strings this long or shorter are checked for ASCII and copied here; longer ones go to Buffer's UTF-8 writer. */
const SHORT_STRING = 64;

type Int64 = number | string | { toString(): string };

/**
 * Writes one message back to front, into a buffer reused from call to call: a nested message is
 * written before its length, so the length is known when its prefix is written, and one pass
 * suffices. Positions are counted from the end, which stays put when the buffer grows.
 */
class ReverseWriter {
  #buf = Buffer.allocUnsafeSlow(16 * 1024);
  #pos = this.#buf.length;

  /** Bytes written so far. */
  get written(): number {
    return this.#buf.length - this.#pos;
  }

  /** The message written, copied out; the writer is empty again. */
  finish(): Buffer {
    const out = Buffer.from(this.#buf.subarray(this.#pos));
    this.#pos = this.#buf.length;
    return out;
  }

  /** Empties the writer after a failed encoding. */
  reset(): void {
    this.#pos = this.#buf.length;
  }

  #room(bytes: number): void {
    if (this.#pos >= bytes) return;
    const used = this.written;
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.#buf.length * 2, used + bytes + 1024));
    this.#buf.copy(bigger, bigger.length - used, this.#pos);
    this.#buf = bigger;
    this.#pos = bigger.length - used;
  }

  /** A non-negative integer up to 2^53 as a varint. */
  varint(n: number): void {
    if (n < 128) {
      this.#room(1);
      this.#buf[--this.#pos] = n;
      return;
    }
    if (n < 0x1_0000_0000) {
      // Below 2^32 the unsigned shift does what the division below does, at a fraction of its cost.
      const length = n < 1 << 14 ? 2 : n < 1 << 21 ? 3 : n < 1 << 28 ? 4 : 5;
      this.#room(length);
      const buf = this.#buf;
      let p = (this.#pos -= length);
      let rest = n >>> 0;
      while (rest >= 128) {
        buf[p++] = (rest & 0x7f) | 0x80;
        rest >>>= 7;
      }
      buf[p] = rest;
      return;
    }
    let length = 1;
    for (let rest = Math.floor(n / 128); rest > 0; rest = Math.floor(rest / 128)) length++;
    this.#room(length);
    this.#pos -= length;
    let p = this.#pos;
    while (n >= 128) {
      this.#buf[p++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.#buf[p] = n;
  }

  /** A signed 64-bit integer: a negative one takes ten bytes, two's complement (as protobuf's int32 and int64 do). */
  signed(n: number): void {
    if (n >= 0) {
      this.varint(n);
      return;
    }
    let rest = BigInt.asUintN(64, BigInt(n));
    this.#room(10);
    this.#pos -= 10;
    for (let i = 0; i < 10; i++) {
      this.#buf[this.#pos + i] = Number(rest & 0x7fn) | (i < 9 ? 0x80 : 0);
      rest >>= 7n;
    }
  }

  /** The UTF-8 bytes of a string, without prefix. */
  utf8(s: string): number {
    const n = s.length;
    if (n <= SHORT_STRING) {
      // Copied a byte a character while the string is ASCII (one pass). A string that is not goes
      // to Buffer's UTF-8 writer instead; what was copied of it lies below the message, unused.
      this.#room(n);
      const buf = this.#buf;
      const start = this.#pos - n;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        buf[start + i] = c;
      }
      if (i === n) {
        this.#pos = start;
        return n;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.#room(bytes);
    this.#pos -= bytes;
    this.#buf.write(s, this.#pos, bytes, 'utf8');
    return bytes;
  }
}

const w = new ReverseWriter();

// Field writers. proto3: a scalar at its default value is not written; a set message always is.
function string(field: number, s: string | undefined): void {
  if (s === undefined || s === '') return;
  w.varint(w.utf8(s));
  w.varint(key(field, LENGTH_DELIMITED));
}

/** A repeated string keeps its empty elements. Written back to front like everything else. */
function strings(field: number, list: readonly string[] | undefined): void {
  if (list === undefined) return;
  for (let i = list.length - 1; i >= 0; i--) {
    w.varint(w.utf8(list[i]!));
    w.varint(key(field, LENGTH_DELIMITED));
  }
}

function uint32(field: number, n: number | undefined): void {
  if (n === undefined || n === 0) return;
  w.varint(n >>> 0);
  w.varint(key(field, VARINT));
}

function int64(field: number, n: Int64 | undefined): void {
  if (n === undefined) return;
  const value = typeof n === 'number' ? n : Number(n.toString());
  if (value === 0) return;
  w.signed(value);
  w.varint(key(field, VARINT));
}

function enumeration(field: number, value: string | number | undefined, numbers: ReadonlyMap<string, number>): void {
  if (value === undefined) return;
  const n = typeof value === 'number' ? value : numbers.get(value);
  if (n === undefined) throw new Error(`cannot encode the enum value ${value}`);
  if (n === 0) return;
  w.signed(n);
  w.varint(key(field, VARINT));
}

/** A nested message: its fields (written by `body`), then its length and key. */
function message<T>(field: number, value: T | null | undefined, body: (value: T) => void): void {
  if (value === undefined || value === null) return;
  const end = w.written;
  body(value);
  w.varint(w.written - end);
  w.varint(key(field, LENGTH_DELIMITED));
}

function timestamp(t: Timestamp): void {
  if (t.nanos !== undefined && t.nanos !== 0) {
    w.signed(t.nanos);
    w.varint(key(2, VARINT));
  }
  int64(1, t.seconds);
}

/** An enum's names and numbers, read from the loaded proto. */
function enumNumbers(name: string): ReadonlyMap<string, number> {
  const values = (loadWarrantProto().definition[name] as { type?: { value?: { name: string; number: number }[] } } | undefined)?.type?.value;
  if (values === undefined) throw new Error(`the proto has no enum ${name}`);
  return new Map(values.map((v) => [v.name, v.number]));
}

let enums: { readonly leaseState: ReadonlyMap<string, number>; readonly trigger: ReadonlyMap<string, number> } | undefined;

/** Fields in reverse order throughout: the writer goes back to front. */
function lease(l: Lease): void {
  enums ??= { leaseState: enumNumbers('warrant.v1.LeaseState'), trigger: enumNumbers('warrant.v1.Trigger') };
  string(17, l.revocation_error);
  uint32(16, l.revocation_attempts);
  string(15, l.reason);
  enumeration(14, l.trigger, enums.trigger);
  message(13, l.revoked_at, timestamp);
  uint32(12, l.renewals);
  message(11, l.max_expires_at, timestamp);
  message(10, l.expires_at, timestamp);
  message(9, l.issued_at, timestamp);
  strings(8, l.scope);
  string(7, l.provider_kind);
  string(6, l.provider);
  string(5, l.task_id);
  string(4, l.trust_domain);
  string(3, l.owner);
  enumeration(2, l.state, enums.leaseState);
  string(1, l.id);
}

function awsSession(s: AwsSession): void {
  string(6, s.assumed_role_arn);
  string(5, s.region);
  message(4, s.expires_at, timestamp);
  string(3, s.session_token);
  string(2, s.secret_access_key);
  string(1, s.access_key_id);
}

function oauthToken(t: OAuthToken): void {
  strings(5, t.audience);
  strings(4, t.scope);
  message(3, t.expires_at, timestamp);
  string(2, t.token_type);
  string(1, t.access_token);
}

function databaseLogin(d: DatabaseLogin): void {
  message(7, d.valid_until, timestamp);
  string(6, d.password);
  string(5, d.username);
  string(4, d.database);
  uint32(3, d.port);
  string(2, d.host);
  string(1, d.engine);
}

function credential(c: Credential): void {
  message(3, c.database_login, databaseLogin);
  message(2, c.oauth_token, oauthToken);
  message(1, c.aws_session, awsSession);
}

function pendingApproval(p: PendingApproval): void {
  strings(3, p.policies);
  message(2, p.expires_at, timestamp);
  string(1, p.approval_id);
}

function encoded(write: () => void): Buffer {
  try {
    write();
    return w.finish();
  } catch (err) {
    w.reset();
    throw err;
  }
}

export function encodeIssueResponse(r: IssueTaskCredentialResponse): Buffer {
  return encoded(() => {
    message(3, r.pending_approval, pendingApproval);
    message(2, r.credential, credential);
    message(1, r.lease, lease);
  });
}

export function encodeRenewResponse(r: RenewLeaseResponse): Buffer {
  return encoded(() => {
    message(2, r.credential, credential);
    message(1, r.lease, lease);
  });
}
