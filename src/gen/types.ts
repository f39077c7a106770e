import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { AwsSession as _warrant_v1_AwsSession, AwsSession__Output as _warrant_v1_AwsSession__Output } from './warrant/v1/AwsSession.js';
import type { Credential as _warrant_v1_Credential, Credential__Output as _warrant_v1_Credential__Output } from './warrant/v1/Credential.js';
import type { DatabaseLogin as _warrant_v1_DatabaseLogin, DatabaseLogin__Output as _warrant_v1_DatabaseLogin__Output } from './warrant/v1/DatabaseLogin.js';
import type { Lease as _warrant_v1_Lease, Lease__Output as _warrant_v1_Lease__Output } from './warrant/v1/Lease.js';
import type { LeaseSelector as _warrant_v1_LeaseSelector, LeaseSelector__Output as _warrant_v1_LeaseSelector__Output } from './warrant/v1/LeaseSelector.js';
import type { OAuthToken as _warrant_v1_OAuthToken, OAuthToken__Output as _warrant_v1_OAuthToken__Output } from './warrant/v1/OAuthToken.js';
import type { Task as _warrant_v1_Task, Task__Output as _warrant_v1_Task__Output } from './warrant/v1/Task.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
  warrant: {
    v1: {
      AwsSession: MessageTypeDefinition<_warrant_v1_AwsSession, _warrant_v1_AwsSession__Output>
      Credential: MessageTypeDefinition<_warrant_v1_Credential, _warrant_v1_Credential__Output>
      DatabaseLogin: MessageTypeDefinition<_warrant_v1_DatabaseLogin, _warrant_v1_DatabaseLogin__Output>
      Lease: MessageTypeDefinition<_warrant_v1_Lease, _warrant_v1_Lease__Output>
      LeaseSelector: MessageTypeDefinition<_warrant_v1_LeaseSelector, _warrant_v1_LeaseSelector__Output>
      LeaseState: EnumTypeDefinition
      OAuthToken: MessageTypeDefinition<_warrant_v1_OAuthToken, _warrant_v1_OAuthToken__Output>
      Task: MessageTypeDefinition<_warrant_v1_Task, _warrant_v1_Task__Output>
      Trigger: EnumTypeDefinition
    }
  }
}

