// Flag parsing shared by every command: strict, positionals allowed, mistakes as usage errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDuration } from '../core/index.js';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;
export type ParsedFlags<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;

export function parseFlags<T extends Options>(args: string[], options: T): ParsedFlags<T> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A positive duration flag in ms (90s, 15m, 1h30m); undefined when the flag was not given. */
export function durationFlag(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new UsageError(`${flag} "${text}" is not a duration (e.g. 90s, 15m, 1h)`);
  return ms;
}
