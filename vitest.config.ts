import { defineConfig } from 'vitest/config';

// Node 20's V8 can crash in the deoptimizer when JS calls into Cedar's wasm under load; this flag avoids it.
const nodeFlags = process.versions.node.startsWith('20.') ? ['--no-turbo-inline-js-wasm-calls'] : [];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CLI tests start the command from source several times per test; a loaded 2-core runner needs the room.
    testTimeout: 90_000,
    hookTimeout: 60_000,
    pool: 'forks',
    execArgv: nodeFlags,
    // Integration tests start servers on loopback; keep the 2-core machine from thrashing.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
