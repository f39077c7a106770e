// What the sidecar writes for each format, with the escaping each reader expects, and the config
// errors that name the bad key.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Credential, Lease } from '../../src/client/index.js';
import { parseAgentConfig } from '../../src/cli/agent/agent-config.js';
import { RenderError, envValue, pgpassField, renderCredential } from '../../src/cli/agent/credential-files.js';

const lease: Lease = {
  id: 'lease-1',
  state: 'active',
  owner: 'spiffe://test.example/agents/alpha',
  trustDomain: 'test.example',
  taskId: 't-1',
  provider: 'orders-db',
  providerKind: 'postgres',
  scope: ['SELECT:sales.orders'],
  issuedAt: Date.UTC(2030, 0, 1, 12, 0, 0),
  expiresAt: Date.UTC(2030, 0, 1, 12, 5, 0),
  maxExpiresAt: Date.UTC(2030, 0, 1, 13, 0, 0),
  renewals: 0,
};

const db: Credential = {
  kind: 'database_login',
  engine: 'postgres',
  host: 'db.internal',
  port: 5432,
  database: 'sales:eu',
  username: 'w_lease1',
  password: `p:a\\ss'w"rd$`,
  validUntil: Date.UTC(2030, 0, 1, 12, 5, 0),
};

const aws: Credential = {
  kind: 'aws_session',
  accessKeyId: 'ASIAEXAMPLE',
  secretAccessKey: 'wJalr/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'FwoGZXIvYXdzEBYaD+token==',
  expiresAt: Date.UTC(2030, 0, 1, 12, 5, 0),
  region: 'eu-west-1',
  assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/agent/lease-1',
};

const token: Credential = {
  kind: 'oauth_token',
  accessToken: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
  tokenType: 'Bearer',
  expiresAt: Date.UTC(2030, 0, 1, 12, 5, 0),
  scope: ['orders:read'],
  audience: ['https://orders.test.example'],
};

describe('credential file formats', () => {
  it('aws-credentials and aws-config write a profile with the session token', () => {
    expect(renderCredential(aws, lease, { format: 'aws-credentials' })).toBe(
      '[default]\naws_access_key_id = ASIAEXAMPLE\naws_secret_access_key = wJalr/K7MDENG+bPxRfiCYEXAMPLEKEY\naws_session_token = FwoGZXIvYXdzEBYaD+token==\n',
    );
    expect(renderCredential(aws, lease, { format: 'aws-credentials', profile: 'agent' })).toMatch(/^\[agent\]\n/);
    expect(renderCredential(aws, lease, { format: 'aws-config', profile: 'agent' })).toBe(
      '[profile agent]\nregion = eu-west-1\naws_access_key_id = ASIAEXAMPLE\naws_secret_access_key = wJalr/K7MDENG+bPxRfiCYEXAMPLEKEY\naws_session_token = FwoGZXIvYXdzEBYaD+token==\n',
    );
    expect(renderCredential(aws, lease, { format: 'aws-config' })).toMatch(/^\[default\]\nregion = eu-west-1\n/);
  });

  it('pgpass escapes : and \\ in every field', () => {
    expect(renderCredential(db, lease, { format: 'pgpass' })).toBe(`db.internal:5432:sales\\:eu:w_lease1:p\\:a\\\\ss'w"rd$\n`);
    expect(pgpassField('a\\b:c', 'x')).toBe('a\\\\b\\:c');
    expect(() => pgpassField('a\nb', 'password')).toThrow(new RenderError('password holds a line break, which pgpass cannot express'));
  });

  it('a .pgpass line is read back by libpq rules: the password survives escaping', () => {
    // libpq's reading rule: a backslash takes the next character literally; an unescaped colon ends a field.
    const line = renderCredential(db, lease, { format: 'pgpass' }).trimEnd();
    const fields: string[] = [''];
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (ch === '\\') fields[fields.length - 1] += line[++i] ?? '';
      else if (ch === ':') fields.push('');
      else fields[fields.length - 1] += ch;
    }
    expect(fields).toEqual(['db.internal', '5432', 'sales:eu', 'w_lease1', `p:a\\ss'w"rd$`]);
  });

  it('env quotes only what needs it, so sh reads back exactly the secret', () => {
    expect(envValue('ASIAEXAMPLE', 'K')).toBe('ASIAEXAMPLE');
    expect(envValue(`it's $HOME`, 'K')).toBe(`'it'\\''s $HOME'`);
    const text = renderCredential(db, lease, { format: 'env', prefix: 'ORDERS_' });
    expect(text).toBe(`ORDERS_PGHOST=db.internal\nORDERS_PGPORT=5432\nORDERS_PGDATABASE=sales:eu\nORDERS_PGUSER=w_lease1\nORDERS_PGPASSWORD='p:a\\ss'\\''w"rd$'\n`);
    const dir = mkdtempSync(join(tmpdir(), 'warrant-env-'));
    try {
      writeFileSync(join(dir, 'e.env'), text);
      const out = execFileSync('sh', ['-c', `. "${join(dir, 'e.env')}"; printf %s "$ORDERS_PGPASSWORD"`], { encoding: 'utf8' });
      expect(out).toBe(`p:a\\ss'w"rd$`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(renderCredential(aws, lease, { format: 'env' })).toBe(
      'AWS_ACCESS_KEY_ID=ASIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalr/K7MDENG+bPxRfiCYEXAMPLEKEY\nAWS_SESSION_TOKEN=FwoGZXIvYXdzEBYaD+token==\nAWS_REGION=eu-west-1\n',
    );
    expect(renderCredential(token, lease, { format: 'env' })).toBe('ACCESS_TOKEN=eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln\nTOKEN_TYPE=Bearer\n');
  });

  it('my-cnf double-quotes with backslash escapes', () => {
    expect(renderCredential({ ...db, engine: 'mysql', port: 3306 }, lease, { format: 'my-cnf' })).toBe(
      `[client]\nhost="db.internal"\nport=3306\ndatabase="sales:eu"\nuser="w_lease1"\npassword="p:a\\\\ss'w\\"rd$"\n`,
    );
  });

  it('token is the bare access token; json carries the lease; templates fill placeholders', () => {
    expect(renderCredential(token, lease, { format: 'token' })).toBe('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln');
    expect(JSON.parse(renderCredential(token, lease, { format: 'json' }))).toEqual({
      kind: 'oauth_token',
      leaseId: 'lease-1',
      taskId: 't-1',
      provider: 'orders-db',
      leaseExpiresAt: '2030-01-01T12:05:00.000Z',
      accessToken: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
      tokenType: 'Bearer',
      expiresAt: Date.UTC(2030, 0, 1, 12, 5, 0),
      scope: ['orders:read'],
      audience: ['https://orders.test.example'],
    });
    expect(renderCredential(token, lease, { template: 'Authorization: {{ token_type }} {{access_token}} ({{lease_id}})' })).toBe(
      'Authorization: Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln (lease-1)',
    );
  });

  it('refuses a format that does not fit the credential, naming both and no secret', () => {
    expect(() => renderCredential(token, lease, { format: 'pgpass' })).toThrow(new RenderError('format pgpass needs a database_login credential; the provider issued oauth_token'));
    expect(() => renderCredential(db, lease, { format: 'aws-credentials' })).toThrow(new RenderError('format aws-credentials needs a aws_session credential; the provider issued database_login'));
    expect(() => renderCredential(token, lease, { template: '{{password}}' })).toThrow(new RenderError('template placeholder {{password}} has no value for a oauth_token credential'));
  });
});

describe('agent config', () => {
  const base = {
    warrant: { server: '127.0.0.1:8443', serverId: 'spiffe://test.example/warrant' },
    svid: { certFile: 'svid.pem', keyFile: 'svid-key.pem', bundleFile: 'bundle.pem' },
    api: { socket: 'run/agent.sock' },
  };
  const bad = (raw: unknown) => {
    try {
      parseAgentConfig(raw, '/etc/agent', 'agent.yaml');
    } catch (err) {
      return (err as Error).message;
    }
    return 'valid';
  };

  it('resolves paths against the config folder and fills defaults', () => {
    const cfg = parseAgentConfig({ ...base, credentials: { orders: { provider: 'orders-api', ttl: '5m', sinks: [{ file: 'creds/orders.token', format: 'token' }] } } }, '/etc/agent');
    expect(cfg.api.socket).toBe('/etc/agent/run/agent.sock');
    expect(cfg.svid.certFile).toBe('/etc/agent/svid.pem');
    expect(cfg.credentials['orders']).toEqual({ provider: 'orders-api', scope: [], ttl: 300_000, sinks: [{ file: '/etc/agent/creds/orders.token', format: 'token' }] });
    expect(cfg.renewal).toEqual({ fraction: 0.5, jitter: 0.1, retryInitial: 1000, retryMax: 30_000 });
    expect(cfg.warrant.timeout).toBe(10_000);
  });

  it('names the bad key', () => {
    expect(bad({ ...base, credentials: { orders: { provider: 'orders-api', ttl: 'soon' } } })).toBe('agent.yaml is invalid:\n  credentials.orders.ttl: "soon" is not a duration (use e.g. 500ms, 30s, 15m, 1h)');
    expect(bad({ ...base, api: { socket: 's', listen: '0.0.0.0:8099' } })).toBe(
      'agent.yaml is invalid:\n  api.listen: must be a loopback address, e.g. 127.0.0.1:8099 (the local API is for this host only)',
    );
    expect(bad({ ...base, credentials: { orders: { provider: 'orders-api', sinks: [{ file: 'x' }] } } })).toBe(
      'agent.yaml is invalid:\n  credentials.orders.sinks.0.format: a file sink needs a format (aws-credentials, aws-config, pgpass, my-cnf, token, env, json) or a template',
    );
    expect(bad({ ...base, credentials: { orders: { provider: 'orders-api', sinks: [{ file: 'x', format: 'token', mode: '0644' }] } } })).toBe(
      'agent.yaml is invalid:\n  credentials.orders.sinks.0.mode: must not give write or any access to others (0600, 0400, 0640 or 0440)',
    );
    expect(bad({ ...base, credentials: { orders: { provider: 'orders-api', sinks: [{ file: 'x', template: '{{pasword}}' }] } } })).toMatch(
      /^agent\.yaml is invalid:\n {2}credentials\.orders\.sinks\.0\.template: unknown placeholder\(s\) \{\{pasword\}\}; known: lease_id, /,
    );
    expect(bad({ ...base, renewal: { fraction: 1.5 } })).toBe('agent.yaml is invalid:\n  renewal.fraction: Too big: expected number to be <1');
    expect(bad({ ...base, extra: 1 })).toBe('agent.yaml is invalid:\n  (root): unknown key(s) "extra"');
    expect(bad({ ...base, svid: { certFile: 'a.pem' } })).toBe('agent.yaml is invalid:\n  svid: give certFile, keyFile and bundleFile, or workloadApi');
    expect(bad({ ...base, svid: { ...base.svid, workloadApi: 'unix:///run/spire/agent.sock' } })).toBe(
      'agent.yaml is invalid:\n  svid: give either workloadApi or certFile, keyFile and bundleFile, not both',
    );
    expect(parseAgentConfig({ ...base, svid: { workloadApi: 'unix:///run/spire/agent.sock' } }, '/etc/agent').svid).toEqual({ workloadApi: 'unix:///run/spire/agent.sock', pollInterval: 5000 });
    expect(
      bad({ ...base, credentials: { a: { provider: 'p', sinks: [{ file: 'same', format: 'token' }] }, b: { provider: 'p', sinks: [{ file: 'same', format: 'json' }] } } }),
    ).toBe('agent.yaml is invalid:\n  credentials.b: file /etc/agent/same is already written by credential a');
  });
});
