// The lease store's Lua scripts: read once at start-up, registered on a client under names that
// carry a digest of their text, so a deploy never runs a stale script cached under an old name.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { WarrantError } from '../../core/index.js';

export interface LeaseScript {
  /** The command name on the client: `warrant<Name>_<digest>`. */
  readonly command: string;
  readonly numberOfKeys: number;
  readonly lua: string;
}

function script(name: string, numberOfKeys: number, url: URL): LeaseScript {
  const lua = readFileSync(url, 'utf8');
  const digest = createHash('sha256').update(lua, 'utf8').digest('hex').slice(0, 16);
  return Object.freeze({ command: `warrant${name}_${digest}`, numberOfKeys, lua });
}

// Each file is named <name>-<number of keys>.lua; its header lists KEYS, ARGV and the reply.
export const LEASE_SCRIPTS = Object.freeze({
  createPending: script('CreatePending', 5, new URL('./lua/create-pending-5.lua', import.meta.url)),
  activate: script('Activate', 3, new URL('./lua/activate-3.lua', import.meta.url)),
  renew: script('Renew', 2, new URL('./lua/renew-2.lua', import.meta.url)),
  beginRevoke: script('BeginRevoke', 4, new URL('./lua/begin-revoke-4.lua', import.meta.url)),
  finishRevoke: script('FinishRevoke', 7, new URL('./lua/finish-revoke-7.lua', import.meta.url)),
});

export type LeaseScriptName = keyof typeof LEASE_SCRIPTS;

type ScriptCommand = (...keysThenArgs: string[]) => Promise<unknown>;

/** Registers every script on the client; ioredis then sends EVALSHA and falls back to EVAL once per connection. */
export function registerLeaseScripts(client: Redis): void {
  for (const s of Object.values(LEASE_SCRIPTS)) {
    client.defineCommand(s.command, { lua: s.lua, numberOfKeys: s.numberOfKeys });
  }
}

export function runLeaseScript(
  client: Redis,
  name: LeaseScriptName,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  const s = LEASE_SCRIPTS[name];
  if (keys.length !== s.numberOfKeys) {
    throw new WarrantError('ERR_INTERNAL', `script ${name} takes ${s.numberOfKeys} keys, got ${keys.length}`);
  }
  const command = (client as unknown as Record<string, ScriptCommand | undefined>)[s.command];
  if (command === undefined) throw new WarrantError('ERR_INTERNAL', `script ${name} is not registered on this client`);
  return command.call(client, ...keys, ...args);
}
