import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/core/index.js';

describe('Batcher', () => {
  it('runs the calls made in one turn of the event loop as one batch, and answers each with its own result', async () => {
    const runs: number[][] = [];
    const batcher = new Batcher(async (items: number[]) => {
      runs.push(items);
      return items.map((n) => n * 10);
    }, 3);
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.add(n)));
    expect(answers).toEqual([10, 20, 30, 40, 50]);
    // The third call filled a batch at once; the rest waited for the turn to end.
    expect(runs).toEqual([[1, 2, 3], [4, 5]]);
    expect(await batcher.add(6)).toBe(60);
    expect(runs).toEqual([[1, 2, 3], [4, 5], [6]]);
  });

  it('fails every call of a batch whose run fails, even when it throws before returning a promise', async () => {
    const batcher = new Batcher((items: number[]): Promise<number[]> => {
      if (items.includes(0)) throw new Error('no zeros');
      return Promise.reject(new Error('later'));
    }, 10);
    await expect(Promise.allSettled([batcher.add(0), batcher.add(1)])).resolves.toEqual([
      { status: 'rejected', reason: new Error('no zeros') },
      { status: 'rejected', reason: new Error('no zeros') },
    ]);
    await expect(batcher.add(2)).rejects.toThrow('later');
  });
});
