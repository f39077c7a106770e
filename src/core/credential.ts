// A minted credential: returned once in the reply that delivers it, never stored, logged or audited.

export interface AwsSessionCredential {
  readonly kind: 'aws_session';
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiresAt: number;
  readonly region: string;
  readonly assumedRoleArn: string;
}

export interface OAuthTokenCredential {
  readonly kind: 'oauth_token';
  readonly accessToken: string;
  readonly tokenType: string;
  readonly expiresAt: number;
  readonly scope: readonly string[];
  readonly audience: readonly string[];
}

export interface DatabaseLoginCredential {
  readonly kind: 'database_login';
  readonly engine: 'postgres' | 'mysql';
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  readonly password: string;
  readonly validUntil: number;
}

export type Credential = AwsSessionCredential | OAuthTokenCredential | DatabaseLoginCredential;
