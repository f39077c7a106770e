import { WarrantError } from '../../core/index.js';
import { quoteForMessage } from '../message-text.js';

// Errors of the AWS SDK, sorted into what warrant's callers and operators can act on. Only the
// error's code, HTTP status and request id are kept: the SDK error object also holds the raw
// request and response, which never go near a log.

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServiceFailure',
  'InternalFailure',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'IDPCommunicationError',
]);

// Socket errors: no HTTP answer at all.
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

export interface AwsErrorFacts {
  readonly awsCode: string;
  readonly httpStatus?: number;
  readonly requestId?: string;
  readonly message: string;
}

export function awsErrorFacts(err: unknown): AwsErrorFacts {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    Code?: unknown;
    code?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
  };
  // The wire code (NoSuchEntity) where AWS sent one; the SDK's class name is NoSuchEntityException.
  const awsCode =
    typeof e.Code === 'string' ? e.Code : typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'Error';
  const httpStatus = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const requestId = typeof e.$metadata?.requestId === 'string' ? e.$metadata.requestId : undefined;
  const message = typeof e.message === 'string' ? e.message.slice(0, 300) : String(err).slice(0, 300);
  return { awsCode, ...(httpStatus === undefined ? {} : { httpStatus }), ...(requestId === undefined ? {} : { requestId }), message };
}

/** True when AWS could not be reached or asked to come back later: nothing is wrong with the request. */
export function isAwsUnavailable(facts: AwsErrorFacts): boolean {
  if (facts.httpStatus === undefined) return NETWORK.has(facts.awsCode) || THROTTLING.has(facts.awsCode);
  return facts.httpStatus >= 500 || facts.httpStatus === 429 || THROTTLING.has(facts.awsCode);
}

/** What a failed call becomes: UNAVAILABLE for outages, else a provider failure for the operator's log. */
export function awsFailure(err: unknown, provider: string, what: string): WarrantError {
  if (err instanceof WarrantError) return err;
  const facts = awsErrorFacts(err);
  const details = { awsCode: facts.awsCode, httpStatus: facts.httpStatus, requestId: facts.requestId };
  if (isAwsUnavailable(facts)) {
    return new WarrantError('ERR_PROVIDER_UNAVAILABLE', `provider '${provider}': AWS unavailable during ${what} (${facts.awsCode})`, { details });
  }
  return new WarrantError(
    'ERR_PROVIDER_FAILED',
    `provider '${provider}': AWS refused ${what}: ${facts.awsCode}: ${quoteForMessage(facts.message)}${hint(facts.awsCode, what)}`,
    { details },
  );
}

function hint(code: string, what: string): string {
  if (code === 'AccessDenied' && what.startsWith('AssumeRole')) {
    return " (the role's trust policy must allow warrant's principal sts:AssumeRole, sts:TagSession and sts:SetSourceIdentity)";
  }
  if (code === 'AccessDenied') return " (warrant's principal needs iam:GetRole, iam:GetRolePolicy, iam:PutRolePolicy and iam:DeleteRolePolicy on the role)";
  if (code === 'CredentialsProviderError') return ' (no AWS credentials for warrant: configure credentials or the SDK default chain)';
  if (code === 'SignatureDoesNotMatch' || code === 'InvalidClientTokenId' || code === 'ExpiredToken') {
    return " (warrant's own AWS credentials are wrong or expired)";
  }
  return '';
}
