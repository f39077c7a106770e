// A real OAuth 2.0 authorization server for tests: node-oidc-provider on 127.0.0.1 with
// client_credentials, RFC 8707 resource indicators, RFC 7662 introspection, RFC 7009 revocation,
// and RFC 8693 token exchange registered as a custom grant that accepts warrant-signed subject
// tokens from one trusted key.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify, type JWK } from 'jose';
import Provider, { errors } from 'oidc-provider';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export interface TestClient {
  readonly client_id: string;
  readonly client_secret?: string;
  readonly token_endpoint_auth_method: 'client_secret_basic' | 'private_key_jwt';
  readonly jwks?: { keys: JWK[] };
  readonly grant_types: string[];
  readonly scope: string;
}

export interface AuthorizationServerOptions {
  readonly clients: readonly TestClient[];
  /** Resource indicator → the scopes tokens for it may carry and their lifetime in seconds. */
  readonly resources: Readonly<Record<string, { scope: string; ttl: number }>>;
  /** Token exchange: the key and issuer of subject tokens this server trusts. */
  readonly subjectTokens?: { readonly issuer: string; readonly publicJwk: JWK };
  /** Leave the revocation endpoint out (and unadvertised). */
  readonly revocation?: boolean;
  /** Port to listen on (0: any); a restarted server keeps its issuer this way. */
  readonly port?: number;
}

export interface AuthorizationServer {
  readonly issuer: string;
  readonly port: number;
  readonly provider: Provider;
  /** Every token endpoint request's form parameters (client secrets and assertions removed). */
  readonly tokenRequests: Record<string, string>[];
  /** Method, path and answer status of every request. */
  readonly requests: string[];
  introspect(token: string, client: { id: string; secret: string }): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startAuthorizationServer(options: AuthorizationServerOptions): Promise<AuthorizationServer> {
  // The issuer has to be known before the provider exists, so the port is reserved first.
  const http: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const resources = options.resources;

  const scopes = new Set<string>();
  for (const c of options.clients) for (const s of c.scope.split(' ')) if (s !== '') scopes.add(s);
  for (const r of Object.values(resources)) for (const s of r.scope.split(' ')) if (s !== '') scopes.add(s);
  const provider = new Provider(issuer, {
    scopes: [...scopes],
    clients: options.clients.map(({ scope, ...c }) => ({ ...c, ...(scope === '' ? {} : { scope }), redirect_uris: [], response_types: [] })),
    ttl: {
      ClientCredentials: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) => token.resourceServer?.accessTokenTTL ?? 600,
      AccessToken: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) => token.resourceServer?.accessTokenTTL ?? 600,
      Grant: 3600,
    },
    clientAuthMethods: ['client_secret_basic', 'private_key_jwt'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Resource servers (any authenticated client) may introspect; only a token's own client may revoke it.
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: {
        enabled: options.revocation ?? true,
        allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId: string }) => token.clientId === client.clientId,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          const info = resources[indicator];
          if (info === undefined) throw new errors.InvalidTarget();
          return { scope: info.scope, audience: indicator, accessTokenTTL: info.ttl, accessTokenFormat: 'opaque' };
        },
      },
    },
    // Quiet: no interactive flows are used.
    renderError: async (ctx: { type: string; body: unknown }, out: unknown) => {
      ctx.type = 'application/json';
      ctx.body = out;
    },
  });

  const tokenRequests: Record<string, string>[] = [];
  const requests: string[] = [];
  provider.use(async (ctx, next) => {
    await next();
    requests.push(`${ctx.method} ${ctx.path} ${ctx.status}`);
    if (ctx.path === '/token' && ctx.method === 'POST') {
      const params = (ctx as unknown as { oidc?: { params?: Record<string, unknown> } }).oidc?.params ?? {};
      const recorded: Record<string, string> = {};
      for (const [k, v] of Object.entries(params)) {
        if (typeof v === 'string' && k !== 'client_secret' && k !== 'client_assertion' && k !== 'subject_token') recorded[k] = v;
        if (Array.isArray(v)) recorded[k] = v.join(' ');
      }
      tokenRequests.push(recorded);
    }
  });

  if (options.subjectTokens !== undefined) {
    const trusted = options.subjectTokens;
    provider.registerGrantType(
      TOKEN_EXCHANGE,
      async (ctx: any) => {
        const p = ctx.oidc.params as Record<string, string | undefined>;
        if (p['subject_token_type'] !== JWT_TOKEN_TYPE) throw new errors.InvalidRequest('subject_token_type must be a JWT');
        if (p['requested_token_type'] !== undefined && p['requested_token_type'] !== ACCESS_TOKEN_TYPE) {
          throw new errors.InvalidRequest('only access tokens are issued');
        }
        let sub: string;
        try {
          const { payload } = await jwtVerify(p['subject_token'] ?? '', trusted.publicJwk, {
            issuer: trusted.issuer,
            audience: issuer,
            algorithms: ['ES256'],
            maxTokenAge: '2m',
            requiredClaims: ['sub', 'exp', 'iat', 'jti'],
          });
          sub = payload.sub!;
        } catch {
          throw new errors.InvalidGrant('subject_token is not valid');
        }
        const resource = p['resource'];
        const info = resource === undefined ? undefined : resources[resource];
        if (resource !== undefined && info === undefined) throw new errors.InvalidTarget();
        const client = ctx.oidc.client;
        const allowed = new Set<string>((info?.scope ?? client.scope ?? '').split(' '));
        const requested = (p['scope'] ?? '').split(' ').filter((s) => s !== '');
        const outside = requested.find((s) => !allowed.has(s));
        if (outside !== undefined) throw new errors.InvalidScope('requested scope is not allowed', outside);
        const grant = new provider.Grant({ accountId: sub, clientId: client.clientId });
        if (resource !== undefined) grant.addResourceScope(resource, requested.join(' '));
        else grant.addOIDCScope(requested.join(' '));
        const grantId = await grant.save();
        const token = new provider.AccessToken({
          accountId: sub,
          client,
          grantId,
          gty: 'token_exchange',
          scope: requested.join(' ') || undefined,
          expiresIn: info?.ttl ?? 600,
        });
        if (resource !== undefined) token.setAudience(resource);
        const value = await token.save();
        ctx.body = {
          access_token: value,
          issued_token_type: ACCESS_TOKEN_TYPE,
          token_type: 'Bearer',
          expires_in: token.expiration,
          ...(token.scope === undefined ? {} : { scope: token.scope }),
        };
      },
      ['subject_token', 'subject_token_type', 'requested_token_type', 'scope', 'resource', 'audience', 'actor_token', 'actor_token_type'],
    );
  }

  http.on('request', provider.callback());
  return {
    issuer,
    port,
    provider,
    tokenRequests,
    requests,
    async introspect(token, client) {
      const res = await fetch(`${issuer}/token/introspection`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token }).toString(),
      });
      return (await res.json()) as Record<string, unknown>;
    },
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
