import { describe, expect, it } from 'vitest';
import { MemoryApprovalStore, MemoryTaskStore } from '../../src/tasks/index.js';
import { T0, approvalStoreContract, newTask, taskStoreContract } from './contract.js';

taskStoreContract('memory', async () => new MemoryTaskStore());
approvalStoreContract('memory', async () => new MemoryApprovalStore());

describe('MemoryTaskStore', () => {
  it('forgets a task once its retention after ending has passed', async () => {
    const store = new MemoryTaskStore({ retentionMs: 60_000 });
    await store.open(newTask());
    await store.end('task-1', { state: 'completed', trigger: 'task_completed', now: T0 + 1000 });
    expect((await store.get('task-1'))?.state).toBe('completed');
    await store.open(newTask({ id: 'later', openedAt: T0 + 62_000 }));
    expect(await store.get('task-1')).toBeUndefined();
    expect((await store.open(newTask({ openedAt: T0 + 63_000 }))).outcome).toBe('created');
  });

  it('rejects a retention that is not a positive integer', () => {
    expect(() => new MemoryTaskStore({ retentionMs: 0 })).toThrow('retentionMs must be a positive integer of milliseconds');
  });
});
