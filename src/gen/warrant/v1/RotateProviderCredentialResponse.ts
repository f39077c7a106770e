// Original file: proto/warrant/v1/admin_service.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface RotateProviderCredentialResponse {
  'provider'?: (string);
  'rotated_at'?: (_google_protobuf_Timestamp | null);
  /**
   * Where the new credential is kept (e.g. the provider's adminPasswordFile); never the credential.
   */
  'stored_in'?: (string);
}

export interface RotateProviderCredentialResponse__Output {
  'provider': (string);
  'rotated_at': (_google_protobuf_Timestamp__Output | null);
  /**
   * Where the new credential is kept (e.g. the provider's adminPasswordFile); never the credential.
   */
  'stored_in': (string);
}
