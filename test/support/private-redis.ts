// A redis-server of the test's own on a free loopback port, so a test may stop and restart it: the
// port lies below the ephemeral range, so no outgoing connection takes it while the server is down.
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freeFixedPort } from './processes.js';

export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  start(): Promise<void>;
  kill(): Promise<void>;
}

export interface PrivateRedisOptions {
  /** Keep data across kill() and start(): append-only file, fsync on every write, in `dir`. */
  readonly persistDir?: string;
}

export async function privateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = await freeFixedPort();
  const persistence =
    options.persistDir === undefined
      ? ['--save', '', '--appendonly', 'no']
      : ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.persistDir];
  let child: ChildProcess | undefined;
  const api: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...persistence], { stdio: 'ignore' });
      for (let i = 0; i < 100; i++) {
        const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on('error', () => undefined);
        try {
          await probe.connect();
          await probe.ping();
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        } finally {
          probe.disconnect();
        }
      }
      throw new Error(`redis-server did not start on port ${port}`);
    },
    async kill() {
      const c = child;
      if (c === undefined || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
  };
  await api.start();
  return api;
}
