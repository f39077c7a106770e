// A warrant server for tests that kill it: the server of a config file, its providers wrapped so
// that every revocation that reaches a provider is counted in a Redis hash (handle → count), which
// outlives the process. Run as `node --import tsx test/support/revocation-server.ts CONFIG`.
// Environment: WARRANT_COUNT_REDIS_URL, WARRANT_COUNT_KEY, WARRANT_REVOKE_DELAY_MS (each revocation waits that long).
import { Redis } from 'ioredis';
import { loadServerConfig } from '../../src/config/index.js';
import { startServer } from '../../src/main.js';
import { CountingProvider } from './counting-provider.js';

const [configFile] = process.argv.slice(2);
const countUrl = process.env['WARRANT_COUNT_REDIS_URL'];
const countKey = process.env['WARRANT_COUNT_KEY'];
if (configFile === undefined || countUrl === undefined || countKey === undefined) {
  process.stderr.write('usage: WARRANT_COUNT_REDIS_URL=… WARRANT_COUNT_KEY=… revocation-server.ts CONFIG\n');
  process.exit(2);
}
const delayMs = Number(process.env['WARRANT_REVOKE_DELAY_MS'] ?? '0');
const counter = new Redis(countUrl);
const running = await startServer(loadServerConfig(configFile), {
  decorateProvider: (provider) => {
    const counting = new CountingProvider(provider, async (handle) => {
      await counter.hincrby(countKey, handle, 1);
    });
    counting.delayMs = delayMs;
    return counting;
  },
});
process.stdout.write(`revocation-server ready grpc=${running.grpcPort}\n`);
process.once('SIGTERM', () => {
  void running.close().then(() => counter.quit()).then(() => process.exit(0));
});
