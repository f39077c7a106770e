// A local emulator of the slice of AWS STS and IAM that the aws-sts provider uses, for tests: a
// node:http server on 127.0.0.1 that the real AWS SDK talks to over HTTP. It verifies every
// request's SigV4 signature, validates parameters the way AWS documents them, answers in AWS's
// query-protocol XML, and can evaluate what a minted session may do (its session policy, minus the
// denies in the role's inline policies). It is an emulator, not AWS: see the README for the manual
// smoke test against a real account.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4 } from './sigv4.js';

export interface EmulatedRole {
  readonly name: string;
  /** Seconds; AWS's default is 3600. */
  readonly maxSessionDuration?: number;
}

export interface AwsEmulatorOptions {
  /** warrant's own (long-term) key pair. */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly accountId?: string;
  readonly region?: string;
  readonly roles: readonly EmulatedRole[];
  readonly now?: () => number;
}

export interface EmulatedSession {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly roleName: string;
  readonly roleArn: string;
  readonly sessionName: string;
  readonly userId: string;
  readonly policy: unknown;
  readonly tags: Readonly<Record<string, string>>;
  readonly sourceIdentity: string | undefined;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface EmulatorCall {
  readonly service: 'sts' | 'iam';
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;
  readonly status: number;
  readonly error?: string;
}

interface RoleState {
  readonly name: string;
  readonly arn: string;
  readonly roleId: string;
  readonly maxSessionDuration: number;
  readonly inline: Map<string, string>;
}

export type Authorization = 'allowed' | 'denied-by-session-policy' | 'revoked' | 'expired' | 'unknown-session';

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const STS_ACTIONS = new Set(['AssumeRole', 'GetCallerIdentity']);
const IAM_ACTIONS = new Set(['GetRole', 'GetRolePolicy', 'PutRolePolicy', 'DeleteRolePolicy']);
const VERSIONS = { sts: '2011-06-15', iam: '2010-05-08' } as const;
const NAMESPACES = { sts: 'https://sts.amazonaws.com/doc/2011-06-15/', iam: 'https://iam.amazonaws.com/doc/2010-05-08/' } as const;
const SESSION_NAME_RE = /^[\w+=,.@-]{2,64}$/;
const SOURCE_IDENTITY_RE = /^[\w+=,.@-]{2,64}$/;
const TAG_KEY_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const MAX_ROLE_INLINE_SIZE = 10_240;
// Roughly how AWS packs a session policy and tags: a share of a fixed binary budget.
const PACKED_BUDGET = 4096;

export class AwsEmulator {
  readonly calls: EmulatorCall[] = [];
  readonly sessions = new Map<string, EmulatedSession>();
  readonly #o: Required<Omit<AwsEmulatorOptions, 'roles'>>;
  readonly #roles = new Map<string, RoleState>();
  readonly #failures: { action: string; status: number; code: string; message: string }[] = [];
  #server: Server | undefined;
  #port = 0;

  private constructor(options: AwsEmulatorOptions) {
    this.#o = { accountId: '123456789012', region: 'us-east-1', now: () => Date.now(), ...options };
    for (const r of options.roles) {
      this.#roles.set(r.name, {
        name: r.name,
        arn: `arn:aws:iam::${this.#o.accountId}:role/${r.name}`,
        roleId: `AROA${randomBytes(8).toString('hex').toUpperCase().slice(0, 17)}`,
        maxSessionDuration: r.maxSessionDuration ?? 3600,
        inline: new Map(),
      });
    }
  }

  static async start(options: AwsEmulatorOptions): Promise<AwsEmulator> {
    const emulator = new AwsEmulator(options);
    await emulator.restart();
    return emulator;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  roleArn(name: string): string {
    return this.#role(name).arn;
  }

  inlinePolicy(roleName: string, policyName: string): string | undefined {
    return this.#role(roleName).inline.get(policyName);
  }

  setInlinePolicy(roleName: string, policyName: string, document: string): void {
    this.#role(roleName).inline.set(policyName, document);
  }

  /** The next call of `action` fails with this AWS error. */
  failNext(action: string, status: number, code: string, message = 'injected by the test'): void {
    this.#failures.push({ action, status, code, message });
  }

  callsOf(action: string): EmulatorCall[] {
    return this.calls.filter((c) => c.action === action);
  }

  /** Stops listening: the provider then sees connection refused, like an outage. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again, on the same port once one was chosen. */
  async restart(): Promise<void> {
    if (this.#server !== undefined) return;
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async close(): Promise<void> {
    await this.stop();
  }

  /**
   * What the session with this access key may do with `action` on `resource` now: its session
   * policy must allow it and no Deny of the role's inline policies may match (conditions on
   * aws:userid, aws:TokenIssueTime, aws:SourceIdentity and aws:PrincipalTag/* are evaluated).
   */
  authorize(accessKeyId: string, action: string, resource: string): Authorization {
    const session = this.sessions.get(accessKeyId);
    if (session === undefined) return 'unknown-session';
    if (this.#o.now() >= session.expiresAt) return 'expired';
    const role = this.#role(session.roleName);
    for (const document of role.inline.values()) {
      for (const s of statementsOf(JSON.parse(document))) {
        if (s.Effect === 'Deny' && matchesRequest(s, action, resource) && conditionsHold(s.Condition, session)) return 'revoked';
      }
    }
    const allowed = statementsOf(session.policy).some((s) => s.Effect === 'Allow' && matchesRequest(s, action, resource));
    return allowed ? 'allowed' : 'denied-by-session-policy';
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const params = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    const action = params['Action'] ?? '';
    const service = STS_ACTIONS.has(action) ? 'sts' : IAM_ACTIONS.has(action) ? 'iam' : undefined;
    const reply = (status: number, xml: string) => {
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
      res.end(xml);
    };
    if (service === undefined || req.method !== 'POST') {
      this.calls.push({ service: 'sts', action, params, status: 400, error: 'InvalidAction' });
      reply(400, errorXml('sts', new ApiError(400, 'InvalidAction', `Could not find operation ${action}`)));
      return;
    }
    try {
      if (params['Version'] !== VERSIONS[service]) throw new ApiError(400, 'InvalidParameterValue', `Version must be ${VERSIONS[service]}`);
      const auth = verifySigV4(
        { method: req.method, url: req.url ?? '/', headers: req.headers, body },
        {
          service,
          regions: service === 'iam' ? ['us-east-1'] : [this.#o.region],
          secretFor: (id) => this.#secretFor(id),
          now: this.#o.now(),
        },
      );
      if (!auth.ok) throw new ApiError(auth.status, auth.code, auth.message);
      const injected = this.#failures.findIndex((f) => f.action === action);
      if (injected >= 0) {
        const f = this.#failures.splice(injected, 1)[0]!;
        throw new ApiError(f.status, f.code, f.message);
      }
      const session = this.sessions.get(auth.accessKeyId);
      if (session !== undefined && action !== 'GetCallerIdentity') {
        throw new ApiError(403, 'AccessDenied', `User: arn:aws:sts::${this.#o.accountId}:assumed-role/${session.roleName}/${session.sessionName} is not authorized to perform: ${service}:${action}`);
      }
      const result = this.#dispatch(action, params, session);
      this.calls.push({ service, action, params, status: 200 });
      reply(200, resultXml(service, action, result));
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(500, 'InternalFailure', (err as Error).message);
      this.calls.push({ service, action, params, status: e.status, error: e.code });
      reply(e.status, errorXml(service, e));
    }
  }

  #secretFor(accessKeyId: string): { secret: string; sessionToken?: string } | undefined {
    if (accessKeyId === this.#o.accessKeyId) return { secret: this.#o.secretAccessKey };
    const s = this.sessions.get(accessKeyId);
    if (s === undefined || this.#o.now() >= s.expiresAt) return undefined;
    return { secret: s.secretAccessKey, sessionToken: s.sessionToken };
  }

  #dispatch(action: string, p: Readonly<Record<string, string>>, caller: EmulatedSession | undefined): string {
    switch (action) {
      case 'AssumeRole':
        return this.#assumeRole(p);
      case 'GetCallerIdentity':
        return caller === undefined
          ? `<Arn>arn:aws:iam::${this.#o.accountId}:user/warrant</Arn><UserId>AIDAWARRANT</UserId><Account>${this.#o.accountId}</Account>`
          : `<Arn>${esc(`arn:aws:sts::${this.#o.accountId}:assumed-role/${caller.roleName}/${caller.sessionName}`)}</Arn><UserId>${esc(caller.userId)}</UserId><Account>${this.#o.accountId}</Account>`;
      case 'GetRole': {
        const role = this.#roleByName(required(p, 'RoleName'));
        return `<Role><Path>/</Path><Arn>${esc(role.arn)}</Arn><RoleName>${esc(role.name)}</RoleName><RoleId>${role.roleId}</RoleId><CreateDate>2026-01-01T00:00:00Z</CreateDate><MaxSessionDuration>${role.maxSessionDuration}</MaxSessionDuration></Role>`;
      }
      case 'GetRolePolicy': {
        const role = this.#roleByName(required(p, 'RoleName'));
        const name = required(p, 'PolicyName');
        const doc = role.inline.get(name);
        if (doc === undefined) throw new ApiError(404, 'NoSuchEntity', `The role policy with name ${name} cannot be found.`);
        return `<RoleName>${esc(role.name)}</RoleName><PolicyName>${esc(name)}</PolicyName><PolicyDocument>${esc(encodeURIComponent(doc))}</PolicyDocument>`;
      }
      case 'PutRolePolicy': {
        const role = this.#roleByName(required(p, 'RoleName'));
        const name = required(p, 'PolicyName');
        const doc = required(p, 'PolicyDocument');
        checkIdentityPolicy(doc);
        let total = size(doc);
        for (const [other, text] of role.inline) if (other !== name) total += size(text);
        if (total > MAX_ROLE_INLINE_SIZE) {
          throw new ApiError(409, 'LimitExceeded', `Maximum policy size of ${MAX_ROLE_INLINE_SIZE} bytes exceeded for role ${role.name}`);
        }
        role.inline.set(name, doc);
        return '';
      }
      case 'DeleteRolePolicy': {
        const role = this.#roleByName(required(p, 'RoleName'));
        const name = required(p, 'PolicyName');
        if (!role.inline.delete(name)) throw new ApiError(404, 'NoSuchEntity', `The role policy with name ${name} cannot be found.`);
        return '';
      }
      default:
        throw new ApiError(400, 'InvalidAction', `Could not find operation ${action}`);
    }
  }

  #assumeRole(p: Readonly<Record<string, string>>): string {
    const roleArn = required(p, 'RoleArn');
    const role = [...this.#roles.values()].find((r) => r.arn === roleArn);
    if (role === undefined) {
      throw new ApiError(403, 'AccessDenied', `User: arn:aws:iam::${this.#o.accountId}:user/warrant is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    }
    const sessionName = required(p, 'RoleSessionName');
    if (!SESSION_NAME_RE.test(sessionName)) throw validation(`Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
    const duration = Number(p['DurationSeconds'] ?? '3600');
    if (!Number.isInteger(duration) || duration < 900) throw validation(`Value '${p['DurationSeconds']}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
    if (duration > role.maxSessionDuration) throw new ApiError(400, 'ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    const policyText = p['Policy'];
    let policy: unknown;
    if (policyText !== undefined) {
      if (policyText.length > 2048) throw validation(`Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048`);
      policy = checkIdentityPolicy(policyText);
    }
    const tags: Record<string, string> = {};
    for (let i = 1; p[`Tags.member.${i}.Key`] !== undefined; i++) {
      const key = p[`Tags.member.${i}.Key`]!;
      const value = p[`Tags.member.${i}.Value`] ?? '';
      if (i > 50) throw validation(`Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50`);
      if (!TAG_KEY_RE.test(key) || key.toLowerCase().startsWith('aws:')) throw validation(`Value '${key}' at 'tags.${i}.member.key' failed to satisfy constraint`);
      if (!TAG_VALUE_RE.test(value)) throw validation(`Value at 'tags.${i}.member.value' failed to satisfy constraint`);
      if (Object.keys(tags).some((k) => k.toLowerCase() === key.toLowerCase())) throw new ApiError(400, 'InvalidParameterValue', `Duplicate tag keys found: ${key}`);
      tags[key] = value;
    }
    const sourceIdentity = p['SourceIdentity'];
    if (sourceIdentity !== undefined && (!SOURCE_IDENTITY_RE.test(sourceIdentity) || sourceIdentity.startsWith('aws:'))) {
      throw validation(`Value '${sourceIdentity}' at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
    }
    const packed = Math.ceil((100 * ((policyText?.length ?? 0) + Object.entries(tags).reduce((n, [k, v]) => n + k.length + v.length, 0))) / PACKED_BUDGET);
    if (packed > 100) throw new ApiError(400, 'PackedPolicyTooLarge', `Packed policy consumes ${packed}% of allotted space, please use smaller policy for the session.`);

    const issuedAt = Math.floor(this.#o.now() / 1000) * 1000;
    const session: EmulatedSession = {
      accessKeyId: `ASIA${randomBytes(12).toString('hex').toUpperCase().slice(0, 16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(96).toString('base64'),
      roleName: role.name,
      roleArn: role.arn,
      sessionName,
      userId: `${role.roleId}:${sessionName}`,
      policy,
      tags,
      sourceIdentity,
      issuedAt,
      expiresAt: issuedAt + duration * 1000,
    };
    this.sessions.set(session.accessKeyId, session);
    return [
      sourceIdentity === undefined ? '' : `<SourceIdentity>${esc(sourceIdentity)}</SourceIdentity>`,
      `<AssumedRoleUser><AssumedRoleId>${esc(session.userId)}</AssumedRoleId><Arn>${esc(`arn:aws:sts::${this.#o.accountId}:assumed-role/${role.name}/${sessionName}`)}</Arn></AssumedRoleUser>`,
      `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId><SecretAccessKey>${esc(session.secretAccessKey)}</SecretAccessKey><SessionToken>${esc(session.sessionToken)}</SessionToken><Expiration>${new Date(session.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z')}</Expiration></Credentials>`,
      `<PackedPolicySize>${packed}</PackedPolicySize>`,
    ].join('');
  }

  #role(name: string): RoleState {
    const role = this.#roles.get(name);
    if (role === undefined) throw new Error(`no emulated role ${name}`);
    return role;
  }

  #roleByName(name: string): RoleState {
    const role = this.#roles.get(name);
    if (role === undefined) throw new ApiError(404, 'NoSuchEntity', `The role with name ${name} cannot be found.`);
    return role;
  }
}

interface Statement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
  readonly Condition?: unknown;
  readonly Sid?: unknown;
}

function statementsOf(policy: unknown): Statement[] {
  if (typeof policy !== 'object' || policy === null) return [];
  const s = (policy as { Statement?: unknown }).Statement;
  return (Array.isArray(s) ? s : s === undefined ? [] : [s]) as Statement[];
}

function list(value: unknown): string[] {
  return typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function glob(pattern: string, text: string, caseInsensitive = false): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, caseInsensitive ? 'is' : 's');
  return re.test(text);
}

function matchesRequest(s: Statement, action: string, resource: string): boolean {
  return list(s.Action).some((a) => glob(a, action, true)) && list(s.Resource).some((r) => glob(r, resource));
}

function conditionsHold(condition: unknown, session: EmulatedSession): boolean {
  if (condition === undefined) return true;
  if (typeof condition !== 'object' || condition === null) return false;
  const context = (key: string): string | undefined => {
    if (key === 'aws:userid') return session.userId;
    if (key === 'aws:TokenIssueTime') return new Date(session.issuedAt).toISOString();
    if (key === 'aws:SourceIdentity') return session.sourceIdentity;
    if (key.startsWith('aws:PrincipalTag/')) return session.tags[key.slice('aws:PrincipalTag/'.length)];
    return undefined;
  };
  for (const [operator, block] of Object.entries(condition as Record<string, Record<string, unknown>>)) {
    for (const [key, wanted] of Object.entries(block)) {
      const actual = context(key);
      if (actual === undefined) return false;
      const values = list(wanted);
      const ok =
        operator === 'StringLike'
          ? values.some((v) => glob(v, actual))
          : operator === 'StringEquals'
            ? values.includes(actual)
            : operator === 'DateLessThan'
              ? values.some((v) => Date.parse(actual) < Date.parse(v))
              : false;
      if (!ok) return false;
    }
  }
  return true;
}

/** Checks what IAM checks of an identity policy's grammar; returns it parsed. */
function checkIdentityPolicy(text: string): unknown {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'MalformedPolicyDocument', 'Syntax errors in policy.');
  }
  if (typeof doc !== 'object' || doc === null || (doc as { Version?: unknown }).Version !== '2012-10-17') {
    throw new ApiError(400, 'MalformedPolicyDocument', 'The policy must name Version 2012-10-17.');
  }
  const statements = statementsOf(doc);
  if (statements.length === 0) throw new ApiError(400, 'MalformedPolicyDocument', 'Policy has no statements.');
  for (const s of statements) {
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new ApiError(400, 'MalformedPolicyDocument', 'Invalid effect.');
    if (list(s.Action).length === 0) throw new ApiError(400, 'MalformedPolicyDocument', 'Policy statement must contain actions.');
    if (list(s.Resource).length === 0) throw new ApiError(400, 'MalformedPolicyDocument', 'Policy statement must contain resources.');
    if (s.Sid !== undefined && (typeof s.Sid !== 'string' || !/^[A-Za-z0-9]*$/.test(s.Sid))) {
      throw new ApiError(400, 'MalformedPolicyDocument', 'Statement IDs (SID) must be alpha-numeric.');
    }
  }
  return doc;
}

function size(document: string): number {
  return document.replace(/\s/g, '').length;
}

function required(p: Readonly<Record<string, string>>, name: string): string {
  const v = p[name];
  if (v === undefined || v === '') throw new ApiError(400, 'ValidationError', `1 validation error detected: Value null at '${name[0]!.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`);
  return v;
}

function validation(message: string): ApiError {
  return new ApiError(400, 'ValidationError', `1 validation error detected: ${message}`);
}

function esc(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

function resultXml(service: 'sts' | 'iam', action: string, result: string): string {
  const inner = result === '' ? '' : `<${action}Result>${result}</${action}Result>`;
  return `<${action}Response xmlns="${NAMESPACES[service]}">${inner}<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
}

function errorXml(service: 'sts' | 'iam', e: ApiError): string {
  const type = e.status >= 500 ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="${NAMESPACES[service]}"><Error><Type>${type}</Type><Code>${esc(e.code)}</Code><Message>${esc(e.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}
