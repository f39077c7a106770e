import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from './google/protobuf/Duration.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { AdminServiceClient as _warrant_v1_AdminServiceClient, AdminServiceDefinition as _warrant_v1_AdminServiceDefinition } from './warrant/v1/AdminService.js';
import type { Approval as _warrant_v1_Approval, Approval__Output as _warrant_v1_Approval__Output } from './warrant/v1/Approval.js';
import type { AwsSession as _warrant_v1_AwsSession, AwsSession__Output as _warrant_v1_AwsSession__Output } from './warrant/v1/AwsSession.js';
import type { Credential as _warrant_v1_Credential, Credential__Output as _warrant_v1_Credential__Output } from './warrant/v1/Credential.js';
import type { DatabaseLogin as _warrant_v1_DatabaseLogin, DatabaseLogin__Output as _warrant_v1_DatabaseLogin__Output } from './warrant/v1/DatabaseLogin.js';
import type { DecideApprovalRequest as _warrant_v1_DecideApprovalRequest, DecideApprovalRequest__Output as _warrant_v1_DecideApprovalRequest__Output } from './warrant/v1/DecideApprovalRequest.js';
import type { DecideApprovalResponse as _warrant_v1_DecideApprovalResponse, DecideApprovalResponse__Output as _warrant_v1_DecideApprovalResponse__Output } from './warrant/v1/DecideApprovalResponse.js';
import type { GetLeaseRequest as _warrant_v1_GetLeaseRequest, GetLeaseRequest__Output as _warrant_v1_GetLeaseRequest__Output } from './warrant/v1/GetLeaseRequest.js';
import type { GetLeaseResponse as _warrant_v1_GetLeaseResponse, GetLeaseResponse__Output as _warrant_v1_GetLeaseResponse__Output } from './warrant/v1/GetLeaseResponse.js';
import type { Lease as _warrant_v1_Lease, Lease__Output as _warrant_v1_Lease__Output } from './warrant/v1/Lease.js';
import type { LeaseSelector as _warrant_v1_LeaseSelector, LeaseSelector__Output as _warrant_v1_LeaseSelector__Output } from './warrant/v1/LeaseSelector.js';
import type { ListApprovalsRequest as _warrant_v1_ListApprovalsRequest, ListApprovalsRequest__Output as _warrant_v1_ListApprovalsRequest__Output } from './warrant/v1/ListApprovalsRequest.js';
import type { ListApprovalsResponse as _warrant_v1_ListApprovalsResponse, ListApprovalsResponse__Output as _warrant_v1_ListApprovalsResponse__Output } from './warrant/v1/ListApprovalsResponse.js';
import type { ListLeasesRequest as _warrant_v1_ListLeasesRequest, ListLeasesRequest__Output as _warrant_v1_ListLeasesRequest__Output } from './warrant/v1/ListLeasesRequest.js';
import type { ListLeasesResponse as _warrant_v1_ListLeasesResponse, ListLeasesResponse__Output as _warrant_v1_ListLeasesResponse__Output } from './warrant/v1/ListLeasesResponse.js';
import type { OAuthToken as _warrant_v1_OAuthToken, OAuthToken__Output as _warrant_v1_OAuthToken__Output } from './warrant/v1/OAuthToken.js';
import type { RevokeMatchingProgress as _warrant_v1_RevokeMatchingProgress, RevokeMatchingProgress__Output as _warrant_v1_RevokeMatchingProgress__Output } from './warrant/v1/RevokeMatchingProgress.js';
import type { RevokeMatchingRequest as _warrant_v1_RevokeMatchingRequest, RevokeMatchingRequest__Output as _warrant_v1_RevokeMatchingRequest__Output } from './warrant/v1/RevokeMatchingRequest.js';
import type { RevokeTaskRequest as _warrant_v1_RevokeTaskRequest, RevokeTaskRequest__Output as _warrant_v1_RevokeTaskRequest__Output } from './warrant/v1/RevokeTaskRequest.js';
import type { RevokeTaskResponse as _warrant_v1_RevokeTaskResponse, RevokeTaskResponse__Output as _warrant_v1_RevokeTaskResponse__Output } from './warrant/v1/RevokeTaskResponse.js';
import type { RotateProviderCredentialRequest as _warrant_v1_RotateProviderCredentialRequest, RotateProviderCredentialRequest__Output as _warrant_v1_RotateProviderCredentialRequest__Output } from './warrant/v1/RotateProviderCredentialRequest.js';
import type { RotateProviderCredentialResponse as _warrant_v1_RotateProviderCredentialResponse, RotateProviderCredentialResponse__Output as _warrant_v1_RotateProviderCredentialResponse__Output } from './warrant/v1/RotateProviderCredentialResponse.js';
import type { Task as _warrant_v1_Task, Task__Output as _warrant_v1_Task__Output } from './warrant/v1/Task.js';
import type { TaskBudget as _warrant_v1_TaskBudget, TaskBudget__Output as _warrant_v1_TaskBudget__Output } from './warrant/v1/TaskBudget.js';
import type { TaskInfo as _warrant_v1_TaskInfo, TaskInfo__Output as _warrant_v1_TaskInfo__Output } from './warrant/v1/TaskInfo.js';
import type { Tool as _warrant_v1_Tool, Tool__Output as _warrant_v1_Tool__Output } from './warrant/v1/Tool.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Duration: MessageTypeDefinition<_google_protobuf_Duration, _google_protobuf_Duration__Output>
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
  warrant: {
    v1: {
      /**
       * What operators call. Only SPIFFE IDs configured as admins may.
       */
      AdminService: SubtypeConstructor<typeof grpc.Client, _warrant_v1_AdminServiceClient> & { service: _warrant_v1_AdminServiceDefinition }
      Approval: MessageTypeDefinition<_warrant_v1_Approval, _warrant_v1_Approval__Output>
      ApprovalDecision: EnumTypeDefinition
      ApprovalState: EnumTypeDefinition
      AwsSession: MessageTypeDefinition<_warrant_v1_AwsSession, _warrant_v1_AwsSession__Output>
      Credential: MessageTypeDefinition<_warrant_v1_Credential, _warrant_v1_Credential__Output>
      DatabaseLogin: MessageTypeDefinition<_warrant_v1_DatabaseLogin, _warrant_v1_DatabaseLogin__Output>
      DecideApprovalRequest: MessageTypeDefinition<_warrant_v1_DecideApprovalRequest, _warrant_v1_DecideApprovalRequest__Output>
      DecideApprovalResponse: MessageTypeDefinition<_warrant_v1_DecideApprovalResponse, _warrant_v1_DecideApprovalResponse__Output>
      GetLeaseRequest: MessageTypeDefinition<_warrant_v1_GetLeaseRequest, _warrant_v1_GetLeaseRequest__Output>
      GetLeaseResponse: MessageTypeDefinition<_warrant_v1_GetLeaseResponse, _warrant_v1_GetLeaseResponse__Output>
      Lease: MessageTypeDefinition<_warrant_v1_Lease, _warrant_v1_Lease__Output>
      LeaseSelector: MessageTypeDefinition<_warrant_v1_LeaseSelector, _warrant_v1_LeaseSelector__Output>
      LeaseState: EnumTypeDefinition
      ListApprovalsRequest: MessageTypeDefinition<_warrant_v1_ListApprovalsRequest, _warrant_v1_ListApprovalsRequest__Output>
      ListApprovalsResponse: MessageTypeDefinition<_warrant_v1_ListApprovalsResponse, _warrant_v1_ListApprovalsResponse__Output>
      ListLeasesRequest: MessageTypeDefinition<_warrant_v1_ListLeasesRequest, _warrant_v1_ListLeasesRequest__Output>
      ListLeasesResponse: MessageTypeDefinition<_warrant_v1_ListLeasesResponse, _warrant_v1_ListLeasesResponse__Output>
      OAuthToken: MessageTypeDefinition<_warrant_v1_OAuthToken, _warrant_v1_OAuthToken__Output>
      RevokeMatchingProgress: MessageTypeDefinition<_warrant_v1_RevokeMatchingProgress, _warrant_v1_RevokeMatchingProgress__Output>
      RevokeMatchingRequest: MessageTypeDefinition<_warrant_v1_RevokeMatchingRequest, _warrant_v1_RevokeMatchingRequest__Output>
      RevokeTaskRequest: MessageTypeDefinition<_warrant_v1_RevokeTaskRequest, _warrant_v1_RevokeTaskRequest__Output>
      RevokeTaskResponse: MessageTypeDefinition<_warrant_v1_RevokeTaskResponse, _warrant_v1_RevokeTaskResponse__Output>
      RotateProviderCredentialRequest: MessageTypeDefinition<_warrant_v1_RotateProviderCredentialRequest, _warrant_v1_RotateProviderCredentialRequest__Output>
      RotateProviderCredentialResponse: MessageTypeDefinition<_warrant_v1_RotateProviderCredentialResponse, _warrant_v1_RotateProviderCredentialResponse__Output>
      Task: MessageTypeDefinition<_warrant_v1_Task, _warrant_v1_Task__Output>
      TaskBudget: MessageTypeDefinition<_warrant_v1_TaskBudget, _warrant_v1_TaskBudget__Output>
      TaskInfo: MessageTypeDefinition<_warrant_v1_TaskInfo, _warrant_v1_TaskInfo__Output>
      TaskState: EnumTypeDefinition
      Tool: MessageTypeDefinition<_warrant_v1_Tool, _warrant_v1_Tool__Output>
      Trigger: EnumTypeDefinition
    }
  }
}

