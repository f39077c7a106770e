#!/usr/bin/env node
// Entry point of the `warrant` command. On Node 20, server commands run with a V8 flag that avoids
// a deoptimizer crash when JS calls into Cedar's wasm under load.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FLAG = '--no-turbo-inline-js-wasm-calls';
const SERVER_COMMANDS = new Set(['dev', 'serve']);
const entry = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

if (!existsSync(entry)) {
  process.stderr.write('warrant: not built yet; run `npm run build` (npm ci does it for you)\n');
  process.exit(1);
}

const needsFlag =
  process.versions.node.startsWith('20.') && SERVER_COMMANDS.has(process.argv[2] ?? '') && !process.execArgv.includes(FLAG);

if (needsFlag) {
  const child = spawn(process.execPath, [FLAG, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal's process group; forward what is sent to us alone.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
} else {
  const { main } = await import(entry);
  const code = await main(process.argv.slice(2));
  if (!SERVER_COMMANDS.has(process.argv[2] ?? '')) process.exit(code);
  else process.exitCode = code;
}
