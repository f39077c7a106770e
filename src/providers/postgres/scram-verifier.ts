import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);
// PostgreSQL's default scram_iterations; the server checks logins against whatever the verifier says.
const ITERATIONS = 4096;
const SALT_BYTES = 16;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802, RFC 7677), computed here
 * so the clear password never travels in a CREATE ROLE statement the server might log. Passwords
 * warrant generates are printable ASCII, which SASLprep leaves unchanged.
 */
export async function scramSha256Verifier(password: string, iterations = ITERATIONS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const salted = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** True when `verifier` (as PostgreSQL stores it) accepts `password`; for tests and diagnostics. */
export async function scramVerifierAccepts(verifier: string, password: string): Promise<boolean> {
  const m = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(verifier);
  if (m === null) return false;
  const salted = await pbkdf2Async(Buffer.from(password, 'utf8'), Buffer.from(m[2]!, 'base64'), Number(m[1]), 32, 'sha256');
  const storedKey = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest();
  return storedKey.toString('base64') === m[3];
}
