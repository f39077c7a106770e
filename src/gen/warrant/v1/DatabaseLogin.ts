// Original file: proto/warrant/v1/types.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface DatabaseLogin {
  /**
   * postgres or mysql
   */
  'engine'?: (string);
  'host'?: (string);
  'port'?: (number);
  'database'?: (string);
  'username'?: (string);
  'password'?: (string);
  'valid_until'?: (_google_protobuf_Timestamp | null);
}

export interface DatabaseLogin__Output {
  /**
   * postgres or mysql
   */
  'engine': (string);
  'host': (string);
  'port': (number);
  'database': (string);
  'username': (string);
  'password': (string);
  'valid_until': (_google_protobuf_Timestamp__Output | null);
}
