import type { WarrantClientError } from '../../src/client/index.js';

/** How a call that must fail failed, as the caller sees it; throws when it succeeds. */
export async function failure(p: Promise<unknown>): Promise<{ grpcCode: number; code: string | undefined; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as WarrantClientError;
    return { grpcCode: e.grpcCode, code: e.code, message: e.message };
  }
  throw new Error('expected the call to fail');
}
