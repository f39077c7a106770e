import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { AdminServiceClient as _warrant_v1_AdminServiceClient, AdminServiceDefinition as _warrant_v1_AdminServiceDefinition } from './warrant/v1/AdminService.js';
import type { AwsSession as _warrant_v1_AwsSession, AwsSession__Output as _warrant_v1_AwsSession__Output } from './warrant/v1/AwsSession.js';
import type { Credential as _warrant_v1_Credential, Credential__Output as _warrant_v1_Credential__Output } from './warrant/v1/Credential.js';
import type { DatabaseLogin as _warrant_v1_DatabaseLogin, DatabaseLogin__Output as _warrant_v1_DatabaseLogin__Output } from './warrant/v1/DatabaseLogin.js';
import type { GetLeaseRequest as _warrant_v1_GetLeaseRequest, GetLeaseRequest__Output as _warrant_v1_GetLeaseRequest__Output } from './warrant/v1/GetLeaseRequest.js';
import type { GetLeaseResponse as _warrant_v1_GetLeaseResponse, GetLeaseResponse__Output as _warrant_v1_GetLeaseResponse__Output } from './warrant/v1/GetLeaseResponse.js';
import type { Lease as _warrant_v1_Lease, Lease__Output as _warrant_v1_Lease__Output } from './warrant/v1/Lease.js';
import type { LeaseSelector as _warrant_v1_LeaseSelector, LeaseSelector__Output as _warrant_v1_LeaseSelector__Output } from './warrant/v1/LeaseSelector.js';
import type { ListLeasesRequest as _warrant_v1_ListLeasesRequest, ListLeasesRequest__Output as _warrant_v1_ListLeasesRequest__Output } from './warrant/v1/ListLeasesRequest.js';
import type { ListLeasesResponse as _warrant_v1_ListLeasesResponse, ListLeasesResponse__Output as _warrant_v1_ListLeasesResponse__Output } from './warrant/v1/ListLeasesResponse.js';
import type { OAuthToken as _warrant_v1_OAuthToken, OAuthToken__Output as _warrant_v1_OAuthToken__Output } from './warrant/v1/OAuthToken.js';
import type { RevokeMatchingProgress as _warrant_v1_RevokeMatchingProgress, RevokeMatchingProgress__Output as _warrant_v1_RevokeMatchingProgress__Output } from './warrant/v1/RevokeMatchingProgress.js';
import type { RevokeMatchingRequest as _warrant_v1_RevokeMatchingRequest, RevokeMatchingRequest__Output as _warrant_v1_RevokeMatchingRequest__Output } from './warrant/v1/RevokeMatchingRequest.js';
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
      /**
       * What operators call. Only SPIFFE IDs configured as admins may.
       */
      AdminService: SubtypeConstructor<typeof grpc.Client, _warrant_v1_AdminServiceClient> & { service: _warrant_v1_AdminServiceDefinition }
      AwsSession: MessageTypeDefinition<_warrant_v1_AwsSession, _warrant_v1_AwsSession__Output>
      Credential: MessageTypeDefinition<_warrant_v1_Credential, _warrant_v1_Credential__Output>
      DatabaseLogin: MessageTypeDefinition<_warrant_v1_DatabaseLogin, _warrant_v1_DatabaseLogin__Output>
      GetLeaseRequest: MessageTypeDefinition<_warrant_v1_GetLeaseRequest, _warrant_v1_GetLeaseRequest__Output>
      GetLeaseResponse: MessageTypeDefinition<_warrant_v1_GetLeaseResponse, _warrant_v1_GetLeaseResponse__Output>
      Lease: MessageTypeDefinition<_warrant_v1_Lease, _warrant_v1_Lease__Output>
      LeaseSelector: MessageTypeDefinition<_warrant_v1_LeaseSelector, _warrant_v1_LeaseSelector__Output>
      LeaseState: EnumTypeDefinition
      ListLeasesRequest: MessageTypeDefinition<_warrant_v1_ListLeasesRequest, _warrant_v1_ListLeasesRequest__Output>
      ListLeasesResponse: MessageTypeDefinition<_warrant_v1_ListLeasesResponse, _warrant_v1_ListLeasesResponse__Output>
      OAuthToken: MessageTypeDefinition<_warrant_v1_OAuthToken, _warrant_v1_OAuthToken__Output>
      RevokeMatchingProgress: MessageTypeDefinition<_warrant_v1_RevokeMatchingProgress, _warrant_v1_RevokeMatchingProgress__Output>
      RevokeMatchingRequest: MessageTypeDefinition<_warrant_v1_RevokeMatchingRequest, _warrant_v1_RevokeMatchingRequest__Output>
      Task: MessageTypeDefinition<_warrant_v1_Task, _warrant_v1_Task__Output>
      Trigger: EnumTypeDefinition
    }
  }
}

