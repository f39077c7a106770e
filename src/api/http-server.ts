import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { WarrantError } from '../core/index.js';
import type { WarrantService } from '../service/index.js';

export interface IntrospectionClient {
  readonly id: string;
  readonly secret: string;
}

export interface HttpServerDeps {
  readonly service: WarrantService;
  readonly introspectionClients: readonly IntrospectionClient[];
  readonly ready: () => Promise<boolean>;
  /** Prometheus exposition text for GET /metrics; absent: no /metrics. */
  readonly metrics?: () => Promise<string>;
  readonly log: Logger;
}

export interface RunningHttpServer {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new WarrantError('ERR_INVALID_ARGUMENT', 'request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** RFC 7662 §2.1: the protected resource authenticates; here with HTTP Basic (client_secret_basic). */
function authenticate(header: string | undefined, clients: ReadonlyMap<string, Buffer>): boolean {
  if (header === undefined || !header.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const id = decodeURIComponent(decoded.slice(0, colon));
  const secret = decodeURIComponent(decoded.slice(colon + 1));
  const expected = clients.get(id);
  // Compare digests in constant time; an unknown id still costs a comparison.
  return timingSafeEqual(digest(secret), expected ?? digest(`\u0000unknown:${id}`)) && expected !== undefined;
}

export async function startHttpServer(deps: HttpServerDeps, listen: string): Promise<RunningHttpServer> {
  const clients = new Map(deps.introspectionClients.map((c) => [c.id, digest(c.secret)]));
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/.well-known/jwks.json') {
      send(res, 200, deps.service.jwks(), { 'cache-control': 'public, max-age=300' });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/metrics' && deps.metrics !== undefined) {
      const text = await deps.metrics();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
      res.end(text);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/healthz') {
      const ok = await deps.ready().catch(() => false);
      send(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable' });
      return;
    }
    if (url.pathname === '/introspect') {
      if (req.method !== 'POST') {
        send(res, 405, { error: 'invalid_request', error_description: 'use POST' }, { allow: 'POST' });
        return;
      }
      if (!authenticate(req.headers.authorization, clients)) {
        send(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="warrant introspection"' });
        return;
      }
      if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        send(res, 400, { error: 'invalid_request', error_description: 'body must be application/x-www-form-urlencoded' });
        return;
      }
      const form = new URLSearchParams(await readBody(req));
      const token = form.get('token');
      if (token === null) {
        send(res, 400, { error: 'invalid_request', error_description: 'token is required' });
        return;
      }
      send(res, 200, await deps.service.introspect(token));
      return;
    }
    send(res, 404, { error: 'not_found' });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof WarrantError && err.expose ? 400 : 500;
      if (status === 500) deps.log.error({ path: req.url, err: (err as Error).message }, 'http request failed');
      if (!res.headersSent) send(res, status, { error: status === 400 ? 'invalid_request' : 'server_error' });
      else res.destroy();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  const idx = listen.lastIndexOf(':');
  const host = listen.slice(0, idx).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(idx + 1));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new WarrantError('ERR_CONFIG', `cannot listen on ${listen}: ${err.message}`)));
    server.listen(port, host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
