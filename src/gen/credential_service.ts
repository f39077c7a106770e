import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from './google/protobuf/Duration.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { Approval as _warrant_v1_Approval, Approval__Output as _warrant_v1_Approval__Output } from './warrant/v1/Approval.js';
import type { AwsSession as _warrant_v1_AwsSession, AwsSession__Output as _warrant_v1_AwsSession__Output } from './warrant/v1/AwsSession.js';
import type { CompleteTaskRequest as _warrant_v1_CompleteTaskRequest, CompleteTaskRequest__Output as _warrant_v1_CompleteTaskRequest__Output } from './warrant/v1/CompleteTaskRequest.js';
import type { CompleteTaskResponse as _warrant_v1_CompleteTaskResponse, CompleteTaskResponse__Output as _warrant_v1_CompleteTaskResponse__Output } from './warrant/v1/CompleteTaskResponse.js';
import type { Credential as _warrant_v1_Credential, Credential__Output as _warrant_v1_Credential__Output } from './warrant/v1/Credential.js';
import type { CredentialServiceClient as _warrant_v1_CredentialServiceClient, CredentialServiceDefinition as _warrant_v1_CredentialServiceDefinition } from './warrant/v1/CredentialService.js';
import type { DatabaseLogin as _warrant_v1_DatabaseLogin, DatabaseLogin__Output as _warrant_v1_DatabaseLogin__Output } from './warrant/v1/DatabaseLogin.js';
import type { DelegateTaskRequest as _warrant_v1_DelegateTaskRequest, DelegateTaskRequest__Output as _warrant_v1_DelegateTaskRequest__Output } from './warrant/v1/DelegateTaskRequest.js';
import type { DelegateTaskResponse as _warrant_v1_DelegateTaskResponse, DelegateTaskResponse__Output as _warrant_v1_DelegateTaskResponse__Output } from './warrant/v1/DelegateTaskResponse.js';
import type { GetApprovalRequest as _warrant_v1_GetApprovalRequest, GetApprovalRequest__Output as _warrant_v1_GetApprovalRequest__Output } from './warrant/v1/GetApprovalRequest.js';
import type { GetApprovalResponse as _warrant_v1_GetApprovalResponse, GetApprovalResponse__Output as _warrant_v1_GetApprovalResponse__Output } from './warrant/v1/GetApprovalResponse.js';
import type { GetTaskRequest as _warrant_v1_GetTaskRequest, GetTaskRequest__Output as _warrant_v1_GetTaskRequest__Output } from './warrant/v1/GetTaskRequest.js';
import type { GetTaskResponse as _warrant_v1_GetTaskResponse, GetTaskResponse__Output as _warrant_v1_GetTaskResponse__Output } from './warrant/v1/GetTaskResponse.js';
import type { IssueTaskCredentialRequest as _warrant_v1_IssueTaskCredentialRequest, IssueTaskCredentialRequest__Output as _warrant_v1_IssueTaskCredentialRequest__Output } from './warrant/v1/IssueTaskCredentialRequest.js';
import type { IssueTaskCredentialResponse as _warrant_v1_IssueTaskCredentialResponse, IssueTaskCredentialResponse__Output as _warrant_v1_IssueTaskCredentialResponse__Output } from './warrant/v1/IssueTaskCredentialResponse.js';
import type { Lease as _warrant_v1_Lease, Lease__Output as _warrant_v1_Lease__Output } from './warrant/v1/Lease.js';
import type { LeaseEvent as _warrant_v1_LeaseEvent, LeaseEvent__Output as _warrant_v1_LeaseEvent__Output } from './warrant/v1/LeaseEvent.js';
import type { LeaseSelector as _warrant_v1_LeaseSelector, LeaseSelector__Output as _warrant_v1_LeaseSelector__Output } from './warrant/v1/LeaseSelector.js';
import type { OAuthToken as _warrant_v1_OAuthToken, OAuthToken__Output as _warrant_v1_OAuthToken__Output } from './warrant/v1/OAuthToken.js';
import type { OpenTaskRequest as _warrant_v1_OpenTaskRequest, OpenTaskRequest__Output as _warrant_v1_OpenTaskRequest__Output } from './warrant/v1/OpenTaskRequest.js';
import type { OpenTaskResponse as _warrant_v1_OpenTaskResponse, OpenTaskResponse__Output as _warrant_v1_OpenTaskResponse__Output } from './warrant/v1/OpenTaskResponse.js';
import type { PendingApproval as _warrant_v1_PendingApproval, PendingApproval__Output as _warrant_v1_PendingApproval__Output } from './warrant/v1/PendingApproval.js';
import type { RenewLeaseRequest as _warrant_v1_RenewLeaseRequest, RenewLeaseRequest__Output as _warrant_v1_RenewLeaseRequest__Output } from './warrant/v1/RenewLeaseRequest.js';
import type { RenewLeaseResponse as _warrant_v1_RenewLeaseResponse, RenewLeaseResponse__Output as _warrant_v1_RenewLeaseResponse__Output } from './warrant/v1/RenewLeaseResponse.js';
import type { RevokeLeaseRequest as _warrant_v1_RevokeLeaseRequest, RevokeLeaseRequest__Output as _warrant_v1_RevokeLeaseRequest__Output } from './warrant/v1/RevokeLeaseRequest.js';
import type { RevokeLeaseResponse as _warrant_v1_RevokeLeaseResponse, RevokeLeaseResponse__Output as _warrant_v1_RevokeLeaseResponse__Output } from './warrant/v1/RevokeLeaseResponse.js';
import type { Task as _warrant_v1_Task, Task__Output as _warrant_v1_Task__Output } from './warrant/v1/Task.js';
import type { TaskBudget as _warrant_v1_TaskBudget, TaskBudget__Output as _warrant_v1_TaskBudget__Output } from './warrant/v1/TaskBudget.js';
import type { TaskInfo as _warrant_v1_TaskInfo, TaskInfo__Output as _warrant_v1_TaskInfo__Output } from './warrant/v1/TaskInfo.js';
import type { Tool as _warrant_v1_Tool, Tool__Output as _warrant_v1_Tool__Output } from './warrant/v1/Tool.js';
import type { WatchLeasesRequest as _warrant_v1_WatchLeasesRequest, WatchLeasesRequest__Output as _warrant_v1_WatchLeasesRequest__Output } from './warrant/v1/WatchLeasesRequest.js';

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
      Approval: MessageTypeDefinition<_warrant_v1_Approval, _warrant_v1_Approval__Output>
      ApprovalState: EnumTypeDefinition
      AwsSession: MessageTypeDefinition<_warrant_v1_AwsSession, _warrant_v1_AwsSession__Output>
      CompleteTaskRequest: MessageTypeDefinition<_warrant_v1_CompleteTaskRequest, _warrant_v1_CompleteTaskRequest__Output>
      CompleteTaskResponse: MessageTypeDefinition<_warrant_v1_CompleteTaskResponse, _warrant_v1_CompleteTaskResponse__Output>
      Credential: MessageTypeDefinition<_warrant_v1_Credential, _warrant_v1_Credential__Output>
      /**
       * What agents and their sidecars call. The caller is the workload proven by its SVID.
       */
      CredentialService: SubtypeConstructor<typeof grpc.Client, _warrant_v1_CredentialServiceClient> & { service: _warrant_v1_CredentialServiceDefinition }
      DatabaseLogin: MessageTypeDefinition<_warrant_v1_DatabaseLogin, _warrant_v1_DatabaseLogin__Output>
      DelegateTaskRequest: MessageTypeDefinition<_warrant_v1_DelegateTaskRequest, _warrant_v1_DelegateTaskRequest__Output>
      DelegateTaskResponse: MessageTypeDefinition<_warrant_v1_DelegateTaskResponse, _warrant_v1_DelegateTaskResponse__Output>
      GetApprovalRequest: MessageTypeDefinition<_warrant_v1_GetApprovalRequest, _warrant_v1_GetApprovalRequest__Output>
      GetApprovalResponse: MessageTypeDefinition<_warrant_v1_GetApprovalResponse, _warrant_v1_GetApprovalResponse__Output>
      GetTaskRequest: MessageTypeDefinition<_warrant_v1_GetTaskRequest, _warrant_v1_GetTaskRequest__Output>
      GetTaskResponse: MessageTypeDefinition<_warrant_v1_GetTaskResponse, _warrant_v1_GetTaskResponse__Output>
      IssueTaskCredentialRequest: MessageTypeDefinition<_warrant_v1_IssueTaskCredentialRequest, _warrant_v1_IssueTaskCredentialRequest__Output>
      IssueTaskCredentialResponse: MessageTypeDefinition<_warrant_v1_IssueTaskCredentialResponse, _warrant_v1_IssueTaskCredentialResponse__Output>
      Lease: MessageTypeDefinition<_warrant_v1_Lease, _warrant_v1_Lease__Output>
      LeaseEvent: MessageTypeDefinition<_warrant_v1_LeaseEvent, _warrant_v1_LeaseEvent__Output>
      LeaseEventType: EnumTypeDefinition
      LeaseSelector: MessageTypeDefinition<_warrant_v1_LeaseSelector, _warrant_v1_LeaseSelector__Output>
      LeaseState: EnumTypeDefinition
      OAuthToken: MessageTypeDefinition<_warrant_v1_OAuthToken, _warrant_v1_OAuthToken__Output>
      OpenTaskRequest: MessageTypeDefinition<_warrant_v1_OpenTaskRequest, _warrant_v1_OpenTaskRequest__Output>
      OpenTaskResponse: MessageTypeDefinition<_warrant_v1_OpenTaskResponse, _warrant_v1_OpenTaskResponse__Output>
      PendingApproval: MessageTypeDefinition<_warrant_v1_PendingApproval, _warrant_v1_PendingApproval__Output>
      RenewLeaseRequest: MessageTypeDefinition<_warrant_v1_RenewLeaseRequest, _warrant_v1_RenewLeaseRequest__Output>
      RenewLeaseResponse: MessageTypeDefinition<_warrant_v1_RenewLeaseResponse, _warrant_v1_RenewLeaseResponse__Output>
      RevokeLeaseRequest: MessageTypeDefinition<_warrant_v1_RevokeLeaseRequest, _warrant_v1_RevokeLeaseRequest__Output>
      RevokeLeaseResponse: MessageTypeDefinition<_warrant_v1_RevokeLeaseResponse, _warrant_v1_RevokeLeaseResponse__Output>
      Task: MessageTypeDefinition<_warrant_v1_Task, _warrant_v1_Task__Output>
      TaskBudget: MessageTypeDefinition<_warrant_v1_TaskBudget, _warrant_v1_TaskBudget__Output>
      TaskInfo: MessageTypeDefinition<_warrant_v1_TaskInfo, _warrant_v1_TaskInfo__Output>
      TaskState: EnumTypeDefinition
      Tool: MessageTypeDefinition<_warrant_v1_Tool, _warrant_v1_Tool__Output>
      Trigger: EnumTypeDefinition
      WatchLeasesRequest: MessageTypeDefinition<_warrant_v1_WatchLeasesRequest, _warrant_v1_WatchLeasesRequest__Output>
    }
  }
}

