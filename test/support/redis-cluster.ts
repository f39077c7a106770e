// A real Redis Cluster of the test's own: `masters` redis-server processes with cluster mode on, on
// free loopback ports in a temporary directory, joined with `redis-cli --cluster create`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, run } from './processes.js';

export interface RedisClusterHarness {
  /** host:port of every master. */
  readonly nodes: readonly string[];
  stop(): Promise<void>;
}

async function ping(port: number): Promise<boolean> {
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

async function clusterState(port: number): Promise<string> {
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    const info = (await probe.call('CLUSTER', 'INFO')) as string;
    return /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return 'unreachable';
  } finally {
    probe.disconnect();
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`redis cluster: ${what} not reached in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRedisCluster(masters = 3): Promise<RedisClusterHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'warrant-redis-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      const busPort = await freePort();
      ports.push(port);
      children.push(
        spawn(
          'redis-server',
          [
            '--port', String(port),
            '--cluster-port', String(busPort),
            '--bind', '127.0.0.1',
            '--cluster-enabled', 'yes',
            '--cluster-config-file', `nodes-${port}.conf`,
            '--cluster-node-timeout', '2000',
            '--save', '',
            '--appendonly', 'no',
            '--dir', dir,
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    for (const port of ports) await until(`node ${port} answering`, () => ping(port));
    const nodes = ports.map((p) => `127.0.0.1:${p}`);
    const created = await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { timeoutMs: 30_000 });
    if (created.code !== 0) throw new Error(`redis-cli --cluster create failed:\n${created.stdout}\n${created.stderr}`);
    for (const port of ports) await until(`cluster_state:ok on ${port}`, async () => (await clusterState(port)) === 'ok');
    return { nodes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
