// The lease store's Lua scripts: read once at start-up, registered on a client under names that
// carry a digest of their text, so a deploy never runs a stale script cached under an old name.
// A line `-- @include <name>` is replaced by lua/include/<name>.lua (shared local functions).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { WarrantError } from '../../core/index.js';

/** A standalone, Sentinel-managed or cluster connection: the store works the same on each. */
export type RedisConnection = Redis | Cluster;

export interface LeaseScript {
  /** The command name on the client: `warrant<Name>_<digest>`. */
  readonly command: string;
  /** Fixed number of keys, or undefined when the caller says how many (files named `<name>-n.lua`). */
  readonly numberOfKeys: number | undefined;
  /** The script with its includes expanded. */
  readonly lua: string;
}

const LUA_DIR = new URL('./lua/', import.meta.url);
const INCLUDE_RE = /^-- @include ([a-z-]+)$/gm;

/** The text of a script file with its includes expanded (also what the tests inspect). */
export function expandedScript(file: string): string {
  return readFileSync(new URL(file, LUA_DIR), 'utf8').replace(INCLUDE_RE, (_line, name: string) =>
    readFileSync(new URL(`include/${name}.lua`, LUA_DIR), 'utf8').trimEnd(),
  );
}

function script(name: string, file: string): LeaseScript {
  const lua = expandedScript(file);
  const digest = createHash('sha256').update(lua, 'utf8').digest('hex').slice(0, 16);
  const keys = /-(\d+|n)\.lua$/.exec(file)?.[1];
  if (keys === undefined) throw new WarrantError('ERR_INTERNAL', `script file ${file} does not name its number of keys`);
  return Object.freeze({ command: `warrant${name}_${digest}`, numberOfKeys: keys === 'n' ? undefined : Number(keys), lua });
}

// Each file is named <name>-<number of keys>.lua (or -n.lua: as many as the caller passes); its
// header lists KEYS, ARGV and the reply.
export const LEASE_SCRIPTS = Object.freeze({
  createPending: script('CreatePending', 'create-pending-n.lua'),
  discardPending: script('DiscardPending', 'discard-pending-4.lua'),
  activate: script('Activate', 'activate-n.lua'),
  renew: script('Renew', 'renew-3.lua'),
  beginRevoke: script('BeginRevoke', 'begin-revoke-n.lua'),
  claim: script('Claim', 'claim-n.lua'),
  complete: script('Complete', 'complete-n.lua'),
  defer: script('Defer', 'defer-n.lua'),
  park: script('Park', 'park-n.lua'),
  select: script('Select', 'select-n.lua'),
  allPage: script('AllPage', 'all-page-1.lua'),
  operationCreate: script('OperationCreate', 'operation-create-2.lua'),
  operationClaim: script('OperationClaim', 'operation-claim-2.lua'),
  operationFinish: script('OperationFinish', 'operation-finish-2.lua'),
});

export type LeaseScriptName = keyof typeof LEASE_SCRIPTS;

type ScriptCommand = (...args: (string | number | (string | number)[])[]) => Promise<unknown>;

/** Registers every script on the client; ioredis then sends EVALSHA and falls back to EVAL when the server lacks it. */
export function registerLeaseScripts(client: RedisConnection): void {
  for (const s of Object.values(LEASE_SCRIPTS)) {
    if (typeof (client as unknown as Record<string, unknown>)[s.command] === 'function') continue;
    client.defineCommand(s.command, s.numberOfKeys === undefined ? { lua: s.lua } : { lua: s.lua, numberOfKeys: s.numberOfKeys });
  }
}

/** The arguments a registered script command takes: the key count first when it varies. */
export function scriptArguments(name: LeaseScriptName, keys: readonly string[], args: readonly string[]): (string | number)[] {
  const s = LEASE_SCRIPTS[name];
  if (s.numberOfKeys !== undefined && keys.length !== s.numberOfKeys) {
    throw new WarrantError('ERR_INTERNAL', `script ${name} takes ${s.numberOfKeys} keys, got ${keys.length}`);
  }
  const out: (string | number)[] = s.numberOfKeys === undefined ? [keys.length] : [];
  for (const k of keys) out.push(k);
  for (const a of args) out.push(a);
  return out;
}

export function runLeaseScript(
  client: RedisConnection,
  name: LeaseScriptName,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  const s = LEASE_SCRIPTS[name];
  const command = (client as unknown as Record<string, ScriptCommand | undefined>)[s.command];
  if (command === undefined) throw new WarrantError('ERR_INTERNAL', `script ${name} is not registered on this client`);
  // One array argument: ioredis flattens it, and a batch's thousands of arguments never become a call's.
  return command.call(client, scriptArguments(name, keys, args));
}
