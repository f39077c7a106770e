import { readFileSync } from 'node:fs';
import { WarrantError } from '../../core/index.js';

// warrant's own AWS credentials, which it uses to call AssumeRole and edit the role's inline
// policy. Never written to config: they come from environment variables named in config, from a
// credentials file, or from the SDK's default chain.

/** How warrant finds its own credentials; `default-chain` leaves it to the AWS SDK. */
export type BaseCredentialSource =
  | { readonly source: 'default-chain'; readonly profile?: string }
  | { readonly source: 'env'; readonly accessKeyIdEnv: string; readonly secretAccessKeyEnv: string; readonly sessionTokenEnv?: string }
  | { readonly source: 'file'; readonly file: string; readonly profile: string };

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

// The SDK refreshes credentials whose expiration is near; a file is re-read about every ten minutes.
const FILE_REFRESH_MS = 15 * 60_000;

/**
 * The credentials (or a function that loads them) for the SDK clients; undefined means the SDK's
 * default chain. Missing variables or an unreadable file are ERR_CONFIG naming `key`.
 */
export function baseCredentials(
  source: BaseCredentialSource,
  env: Readonly<Record<string, string | undefined>>,
  key: string,
): AwsCredentials | AwsCredentialsProvider | undefined {
  switch (source.source) {
    case 'default-chain':
      return undefined;
    case 'env': {
      const read = (name: string, setting: string): string => {
        const value = env[name];
        if (value === undefined || value === '') {
          throw new WarrantError('ERR_CONFIG', `${key}.${setting}: environment variable ${name} is not set`);
        }
        return value;
      };
      const accessKeyId = read(source.accessKeyIdEnv, 'accessKeyIdEnv');
      const secretAccessKey = read(source.secretAccessKeyEnv, 'secretAccessKeyEnv');
      const sessionToken = source.sessionTokenEnv === undefined ? undefined : read(source.sessionTokenEnv, 'sessionTokenEnv');
      // Not frozen: the SDK annotates the object it is given.
      return { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) };
    }
    case 'file': {
      // Read once now so a wrong path or profile fails start-up, then again whenever the SDK refreshes.
      readCredentialsFile(source.file, source.profile, `${key}.credentialsFile`);
      return async () => ({
        ...readCredentialsFile(source.file, source.profile, `${key}.credentialsFile`),
        expiration: new Date(Date.now() + FILE_REFRESH_MS),
      });
    }
  }
}

/** Reads one profile of an AWS shared credentials file (INI). Errors name the file, never its content. */
export function readCredentialsFile(file: string, profile: string, key: string): AwsCredentials {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new WarrantError('ERR_CONFIG', `${key}: cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const values = new Map<string, string>();
  let current: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (section !== null) {
      current = section[1]!.replace(/^profile\s+/, '');
      continue;
    }
    const eq = line.indexOf('=');
    if (current !== profile || eq < 0) continue;
    values.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  const accessKeyId = values.get('aws_access_key_id');
  const secretAccessKey = values.get('aws_secret_access_key');
  if (accessKeyId === undefined || accessKeyId === '' || secretAccessKey === undefined || secretAccessKey === '') {
    throw new WarrantError(
      'ERR_CONFIG',
      `${key}: profile ${JSON.stringify(profile)} in ${JSON.stringify(file)} has no aws_access_key_id and aws_secret_access_key`,
    );
  }
  const sessionToken = values.get('aws_session_token');
  return { accessKeyId, secretAccessKey, ...(sessionToken === undefined || sessionToken === '' ? {} : { sessionToken }) };
}
