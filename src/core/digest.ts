import * as crypto from 'node:crypto';

/** Node's one-shot digest where it has one (20.12 and later): the same bytes, a fraction of the cost. */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/** SHA-256 of a text (UTF-8), as lower-case hex. */
export function sha256Hex(text: string): string {
  return oneShot !== undefined ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}
