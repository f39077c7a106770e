// The sidecar's local API: HTTP/1.1 over a unix socket that only this user can reach (socket 0600
// in a folder created 0700), and optionally a loopback port serving health and readiness only, for
// probes that cannot use a socket. Secrets are served on the socket alone.
import { chmod, lstat, mkdir, stat, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { WarrantError } from '../../core/index.js';
import { SidecarError, type Sidecar } from './sidecar.js';

const MAX_BODY = 64 * 1024;

export interface LocalApi {
  readonly socket: string;
  /** The loopback port, when one was asked for. */
  readonly port: number | undefined;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { error: { code, message } });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new SidecarError(413, 'BAD_REQUEST', `the body exceeds ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new SidecarError(400, 'BAD_REQUEST', 'the body is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SidecarError(400, 'BAD_REQUEST', 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new SidecarError(400, 'BAD_REQUEST', `${key} must be a string`);
  return v;
}

/** `brief`: the probe port answers with the status word only, no lease ids or file paths. */
function health(sidecar: Sidecar, res: ServerResponse, path: string, brief = false): boolean {
  if (path === '/healthz') {
    const h = sidecar.health();
    send(res, 200, brief ? { status: h.status } : h);
    return true;
  }
  if (path === '/readyz') {
    const r = sidecar.readiness();
    send(res, r.ready ? 200 : 503, r);
    return true;
  }
  return false;
}

async function route(sidecar: Sidecar, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://agent').pathname;
  const method = req.method ?? 'GET';
  if (method === 'GET' && health(sidecar, res, path)) return;
  if (path === '/v1/task') {
    if (method === 'GET') return send(res, 200, { task: sidecar.task ?? null });
    if (method === 'POST') {
      const body = await readJson(req);
      const id = optionalString(body, 'id');
      if (id === undefined) throw new SidecarError(400, 'BAD_REQUEST', 'id is required');
      const attributes = body['attributes'];
      if (attributes !== undefined && (attributes === null || typeof attributes !== 'object' || Object.values(attributes).some((v) => typeof v !== 'string'))) {
        throw new SidecarError(400, 'BAD_REQUEST', 'attributes must be an object of strings');
      }
      sidecar.startTask({ id, purpose: optionalString(body, 'purpose') ?? '', attributes: (attributes ?? {}) as Record<string, string> });
      return send(res, 201, { task: sidecar.task });
    }
  }
  if (path === '/v1/complete' && method === 'POST') {
    const r = await sidecar.complete('requested over the local API');
    return send(res, r.error === undefined ? 200 : 502, r);
  }
  if (path === '/v1/leases' && method === 'GET') return send(res, 200, { leases: sidecar.leases() });
  if (path === '/v1/credentials') {
    if (method === 'GET') return send(res, 200, { credentials: sidecar.credentials() });
    if (method === 'POST') {
      const body = await readJson(req);
      const scope = body['scope'];
      const ttl = body['ttl'];
      const delivered = await sidecar.request({
        ...(optionalString(body, 'name') === undefined ? {} : { name: optionalString(body, 'name')! }),
        ...(optionalString(body, 'provider') === undefined ? {} : { provider: optionalString(body, 'provider')! }),
        ...(scope === undefined ? {} : { scope: scope as string[] }),
        ...(ttl === undefined ? {} : { ttl: ttl as number }),
      });
      return send(res, 200, delivered);
    }
  }
  const named = /^\/v1\/credentials\/([A-Za-z0-9_.-]{1,64})$/.exec(path);
  if (named !== null && method === 'GET') return send(res, 200, sidecar.current(named[1]!));
  fail(res, 404, 'NOT_FOUND', `no ${method} ${path}; see the README's local API table`);
}

/** Refuses a socket folder that others may enter, and a path held by a live agent. */
async function prepareSocket(socket: string): Promise<void> {
  const dir = dirname(socket);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const d = await stat(dir);
  const uid = process.getuid?.();
  if (uid !== undefined && d.uid !== uid) throw new WarrantError('ERR_CONFIG', `socket folder ${dir} belongs to another user (uid ${d.uid})`);
  if ((d.mode & 0o077) !== 0) {
    throw new WarrantError('ERR_CONFIG', `socket folder ${dir} may be entered by others (mode ${(d.mode & 0o777).toString(8)}); use a folder only this user can enter (0700), e.g. a new subfolder`);
  }
  let existing;
  try {
    existing = await lstat(socket);
  } catch {
    return;
  }
  if (!existing.isSocket()) throw new WarrantError('ERR_CONFIG', `${socket} exists and is not a socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const c = connect(socket);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (alive) throw new WarrantError('ERR_CONFIG', `another process already serves ${socket}`);
  // A socket left behind by an agent that crashed.
  await unlink(socket);
}

function listen(server: Server, target: string | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (typeof target === 'string') server.listen(target, done);
    else server.listen(target.port, target.host, done);
  });
}

export async function startLocalApi(sidecar: Sidecar, options: { socket: string; listen?: string | undefined }, log: Logger): Promise<LocalApi> {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    route(sidecar, req, res).catch((err: unknown) => {
      if (err instanceof SidecarError) return fail(res, err.status, err.code, err.message);
      log.error({ err: (err as Error).message, path: req.url }, 'local API request failed');
      fail(res, 500, 'INTERNAL', 'internal error; see the agent log');
    });
  };
  await prepareSocket(options.socket);
  const unix = createServer(handler);
  await listen(unix, options.socket);
  await chmod(options.socket, 0o600);

  let tcp: Server | undefined;
  let port: number | undefined;
  if (options.listen !== undefined) {
    const m = /^(.*):(\d+)$/.exec(options.listen)!;
    const host = m[1]!.replace(/^\[|\]$/g, '');
    tcp = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://agent').pathname;
      if (req.method === 'GET' && health(sidecar, res, path, true)) return;
      fail(res, 404, 'NOT_FOUND', 'this port serves /healthz and /readyz only; the rest is on the unix socket');
    });
    await listen(tcp, { host, port: Number(m[2]) });
    port = (tcp.address() as { port: number }).port;
  }
  log.info({ socket: options.socket, ...(port === undefined ? {} : { probes: `${host(options.listen!)}:${port}` }) }, 'local API listening');

  return {
    socket: options.socket,
    port,
    async close() {
      const closing = [unix, ...(tcp === undefined ? [] : [tcp])].map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      );
      await Promise.all(closing);
      await unlink(options.socket).catch(() => undefined);
    },
  };
}

function host(listenAddress: string): string {
  return listenAddress.replace(/:\d+$/, '');
}
