import { randomBytes } from 'node:crypto';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';

/** Named character sets for generated passwords. `printable` leaves out quotes, backslash and space. */
export const PASSWORD_CHARSETS: Readonly<Record<string, string>> = Object.freeze({
  alphanumeric: UPPER + LOWER + DIGITS,
  urlsafe: `${UPPER}${LOWER}${DIGITS}-._~`,
  printable: [...Array(0x7e - 0x21 + 1).keys()]
    .map((i) => String.fromCharCode(0x21 + i))
    .filter((c) => !`'"\\\``.includes(c))
    .join(''),
});

/** Fewer bits than this per password is refused at config time. */
export const MIN_PASSWORD_BITS = 128;
export const MAX_PASSWORD_LENGTH = 128;

/** Bits of entropy of a password of `length` characters drawn uniformly from `charset`. */
export function passwordBits(length: number, charset: string): number {
  return length * Math.log2(charset.length);
}

/** A password of `length` characters drawn uniformly from `charset` with the system CSPRNG. */
export function generatePassword(length: number, charset: string): string {
  const n = charset.length;
  // Bytes at or above `limit` are rejected so every character is equally likely (no modulo bias).
  const limit = 256 - (256 % n);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(Math.max(16, (length - out.length) * 2))) {
      if (byte >= limit) continue;
      out += charset[byte % n];
      if (out.length === length) break;
    }
  }
  return out;
}
