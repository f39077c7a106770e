// Original file: proto/warrant/v1/types.proto

import type { AwsSession as _warrant_v1_AwsSession, AwsSession__Output as _warrant_v1_AwsSession__Output } from '../../warrant/v1/AwsSession.js';
import type { OAuthToken as _warrant_v1_OAuthToken, OAuthToken__Output as _warrant_v1_OAuthToken__Output } from '../../warrant/v1/OAuthToken.js';
import type { DatabaseLogin as _warrant_v1_DatabaseLogin, DatabaseLogin__Output as _warrant_v1_DatabaseLogin__Output } from '../../warrant/v1/DatabaseLogin.js';

/**
 * The secret part of a grant: returned once, in the reply that delivers it, and never stored.
 */
export interface Credential {
  'aws_session'?: (_warrant_v1_AwsSession | null);
  'oauth_token'?: (_warrant_v1_OAuthToken | null);
  'database_login'?: (_warrant_v1_DatabaseLogin | null);
  'kind'?: "aws_session"|"oauth_token"|"database_login";
}

/**
 * The secret part of a grant: returned once, in the reply that delivers it, and never stored.
 */
export interface Credential__Output {
  'aws_session'?: (_warrant_v1_AwsSession__Output | null);
  'oauth_token'?: (_warrant_v1_OAuthToken__Output | null);
  'database_login'?: (_warrant_v1_DatabaseLogin__Output | null);
  'kind'?: "aws_session"|"oauth_token"|"database_login";
}
