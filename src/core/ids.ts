import { randomFillSync, randomUUID } from 'node:crypto';

// Lease ids are ULIDs in lower case: 48 bits of milliseconds then 80 random bits, Crockford base32,
// 26 characters. Time-sortable, safe in every provider's naming rules (letters and digits only) and
// short enough that "w_" + id fits MySQL's 32-character user names.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const LEASE_ID_RE = /^[0-9abcdefghjkmnpqrstvwxyz]{26}$/;

// Random bytes are drawn from the CSPRNG a few kilobytes at a time (as randomUUID does), not per id.
const POOL_BYTES = 4096;
const RANDOM_BYTES = 10;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

function randomPart(): Buffer {
  if (poolOffset + RANDOM_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const part = pool.subarray(poolOffset, poolOffset + RANDOM_BYTES);
  poolOffset += RANDOM_BYTES;
  return part;
}

export function newLeaseId(nowMs: number = Date.now()): string {
  let time = '';
  let t = Math.floor(nowMs);
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const rnd = randomPart();
  let bits = 0;
  let acc = 0;
  let random = '';
  for (const byte of rnd) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      random += ALPHABET[(acc >> bits) & 31]!;
    }
    acc &= (1 << bits) - 1;
  }
  return time + random;
}

export function isLeaseId(value: string): boolean {
  return LEASE_ID_RE.test(value);
}

/** The issue time encoded in a lease id (ms since epoch). */
export function leaseIdTime(id: string): number {
  let t = 0;
  for (let i = 0; i < 10; i++) t = t * 32 + ALPHABET.indexOf(id[i]!);
  return t;
}

/** Correlation ids tie a generic client-facing error to its log line. */
export function newCorrelationId(): string {
  return randomUUID();
}
