// Original file: proto/warrant/v1/types.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface OAuthToken {
  'access_token'?: (string);
  /**
   * "Bearer"
   */
  'token_type'?: (string);
  'expires_at'?: (_google_protobuf_Timestamp | null);
  'scope'?: (string)[];
  'audience'?: (string)[];
}

export interface OAuthToken__Output {
  'access_token': (string);
  /**
   * "Bearer"
   */
  'token_type': (string);
  'expires_at': (_google_protobuf_Timestamp__Output | null);
  'scope': (string)[];
  'audience': (string)[];
}
