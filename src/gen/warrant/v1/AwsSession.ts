// Original file: proto/warrant/v1/types.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface AwsSession {
  'access_key_id'?: (string);
  'secret_access_key'?: (string);
  'session_token'?: (string);
  'expires_at'?: (_google_protobuf_Timestamp | null);
  'region'?: (string);
  'assumed_role_arn'?: (string);
}

export interface AwsSession__Output {
  'access_key_id': (string);
  'secret_access_key': (string);
  'session_token': (string);
  'expires_at': (_google_protobuf_Timestamp__Output | null);
  'region': (string);
  'assumed_role_arn': (string);
}
