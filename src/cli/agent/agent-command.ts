// `warrant agent`: the sidecar process. Loads its config, connects with its SVID, opens the task,
// keeps the credentials written, serves the local API, and cleans up on SIGTERM or completion.
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { WarrantClient } from '../../client/index.js';
import { WarrantError } from '../../core/index.js';
import { REDACT_PATHS } from '../../main.js';
import { UsageError } from '../usage-error.js';
import { loadAgentConfig, type AgentConfig } from './agent-config.js';
import { startLocalApi } from './local-api.js';
import { Sidecar } from './sidecar.js';

export const AGENT_HELP = `  warrant agent --config FILE [--task ID] [--purpose TEXT] [--check]
                  sidecar: issues, renews, writes and removes the credentials of FILE for a task;
                  local API on a unix socket; completes the task on SIGTERM`;

function logger(config: AgentConfig): Logger {
  return pino({ level: config.log.level, base: { service: 'warrant-agent' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}

export async function cmdAgent(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: { config: { type: 'string' }, task: { type: 'string' }, purpose: { type: 'string' }, check: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.config === undefined) throw new UsageError('agent needs --config FILE');
  if (values.task !== undefined && !/^[A-Za-z0-9._:@/-]{1,128}$/.test(values.task)) throw new UsageError('--task must be 1-128 characters of A-Z a-z 0-9 . _ : @ / -');
  const config = loadAgentConfig(values.config);
  if (values.check === true) {
    process.stdout.write('agent config is valid\n');
    return 0;
  }
  const log = logger(config);
  const { server, serverId, timeout } = config.warrant;
  const svid = config.svid;
  let client: WarrantClient;
  try {
    client =
      svid.workloadApi !== undefined
        ? WarrantClient.fromWorkloadApi({ server, serverId, workloadApi: svid.workloadApi, timeoutMs: timeout })
        : WarrantClient.fromFiles({
            server,
            serverId,
            svidFile: svid.certFile!,
            svidKeyFile: svid.keyFile!,
            bundleFile: svid.bundleFile!,
            timeoutMs: timeout,
            pollIntervalMs: svid.pollInterval,
          });
  } catch (err) {
    // A bad Workload API address or unreadable SVID files: the config's fault, said in its terms.
    throw new WarrantError('ERR_CONFIG', `${values.config}: svid: ${(err as Error).message}`);
  }
  client.on('rotated', (e) => log.info({ generation: e.generation }, 'SVID or bundle rotated; new connections use it'));
  client.on('svidError', (err) => log.warn({ err: err.message }, 'a rotated SVID cannot be used (yet); keeping the previous one'));
  client.on('watchBroken', (e) => log.warn({ task: e.taskId, err: e.error === undefined ? undefined : { code: e.error.code, message: e.error.message }, retryInMs: e.retryInMs }, 'lease watch interrupted; reconnecting'));

  const sidecar = new Sidecar(client, config, log);
  let api;
  try {
    api = await startLocalApi(sidecar, { socket: config.api.socket, listen: config.api.listen }, log);
  } catch (err) {
    client.close();
    throw err;
  }

  const code = await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      log.info({ signal }, 'shutting down');
      const task = sidecar.task;
      if (task === undefined || task.state === 'completed') return resolve(0);
      sidecar.complete(signal).then(
        (r) => resolve(r.error === undefined ? 0 : 1),
        () => resolve(1),
      );
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    if (config.exitOnComplete) {
      sidecar.onCompleted((r) => {
        if (stopping) return;
        stopping = true;
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        resolve(r.error === undefined ? 0 : 1);
      });
    }
    const taskId = values.task ?? config.task?.id;
    if (taskId !== undefined) {
      sidecar.startTask({
        id: taskId,
        purpose: values.purpose ?? (values.task === undefined ? config.task?.purpose : undefined) ?? '',
        attributes: config.task?.attributes ?? {},
      });
    } else log.info('no task yet; waiting for POST /v1/task');
  });
  await api.close();
  client.close();
  log.info({ exitCode: code }, 'agent stopped');
  return code;
}
