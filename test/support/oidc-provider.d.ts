// oidc-provider ships no type declarations; this covers what test/support/oidc-server.ts uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface Context {
    path: string;
    method: string;
    status: number;
    type: string;
    body: unknown;
    oidc?: { params?: Record<string, unknown>; client?: { clientId: string; scope?: string } };
  }

  interface Token {
    readonly expiration: number;
    scope?: string;
    setAudience(audience: string | string[]): void;
    save(): Promise<string>;
  }

  interface Grant {
    addResourceScope(resource: string, scope: string): void;
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    readonly Grant: new (properties: { accountId: string; clientId: string }) => Grant;
    readonly AccessToken: new (properties: Record<string, unknown>) => Token;
    use(middleware: (ctx: Context, next: () => Promise<void>) => Promise<void>): void;
    registerGrantType(name: string, handler: (ctx: any) => Promise<void>, params?: string[]): void;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }

  class OIDCProviderError extends Error {
    constructor(description?: string, detail?: string);
  }
  export const errors: {
    InvalidRequest: typeof OIDCProviderError;
    InvalidGrant: typeof OIDCProviderError;
    InvalidScope: typeof OIDCProviderError;
    InvalidTarget: typeof OIDCProviderError;
  };
}
