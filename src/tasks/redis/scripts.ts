// The task store's Lua scripts: read once, registered on a client under names that carry a digest
// of their text, so a deploy never runs a stale script cached under an old name. ioredis sends
// EVALSHA and falls back to EVAL when the server does not have the script yet.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { WarrantError } from '../../core/index.js';

export type TaskRedis = Redis | Cluster;

interface TaskScript {
  readonly command: string;
  /** Fixed number of keys, or undefined for `-n.lua` files, where the caller says how many. */
  readonly numberOfKeys: number | undefined;
  readonly lua: string;
}

const LUA_DIR = new URL('./lua/', import.meta.url);

function script(name: string, file: string): TaskScript {
  const lua = readFileSync(new URL(file, LUA_DIR), 'utf8');
  const digest = createHash('sha256').update(lua, 'utf8').digest('hex').slice(0, 16);
  const keys = /-(\d+|n)\.lua$/.exec(file)?.[1];
  if (keys === undefined) throw new WarrantError('ERR_INTERNAL', `script file ${file} does not name its number of keys`);
  return Object.freeze({ command: `warrantTask${name}_${digest}`, numberOfKeys: keys === 'n' ? undefined : Number(keys), lua });
}

// Each file is <name>-<number of keys>.lua; its header lists KEYS, ARGV and the reply.
export const TASK_SCRIPTS = Object.freeze({
  get: script('Get', 'task-get-2.lua'),
  open: script('Open', 'task-open-2.lua'),
  delegate: script('Delegate', 'task-delegate-5.lua'),
  reserve: script('Reserve', 'task-reserve-n.lua'),
  release: script('Release', 'task-release-n.lua'),
  releaseEnded: script('ReleaseEnded', 'task-release-ended-n.lua'),
  deviation: script('Deviation', 'task-deviation-2.lua'),
  end: script('End', 'task-end-4.lua'),
  approvalRequest: script('ApprovalRequest', 'approval-request-4.lua'),
  approvalDecide: script('ApprovalDecide', 'approval-decide-2.lua'),
  approvalConsume: script('ApprovalConsume', 'approval-consume-2.lua'),
  approvalExpire: script('ApprovalExpire', 'approval-expire-1.lua'),
});

export type TaskScriptName = keyof typeof TASK_SCRIPTS;

export function registerTaskScripts(client: TaskRedis): void {
  for (const s of Object.values(TASK_SCRIPTS)) {
    if (typeof (client as unknown as Record<string, unknown>)[s.command] === 'function') continue;
    client.defineCommand(s.command, s.numberOfKeys === undefined ? { lua: s.lua } : { lua: s.lua, numberOfKeys: s.numberOfKeys });
  }
}

export function runTaskScript(client: TaskRedis, name: TaskScriptName, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  const s = TASK_SCRIPTS[name];
  if (s.numberOfKeys !== undefined && keys.length !== s.numberOfKeys) {
    throw new WarrantError('ERR_INTERNAL', `script ${name} takes ${s.numberOfKeys} keys, got ${keys.length}`);
  }
  const command = (client as unknown as Record<string, ((...a: (string | number | (string | number)[])[]) => Promise<unknown>) | undefined>)[s.command];
  if (command === undefined) throw new WarrantError('ERR_INTERNAL', `script ${name} is not registered on this client`);
  const out: (string | number)[] = s.numberOfKeys === undefined ? [keys.length] : [];
  for (const k of keys) out.push(k);
  for (const a of args) out.push(a);
  // One array argument: ioredis flattens it, and a batch's many arguments never become a call's.
  return command.call(client, out);
}
