import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from './google/protobuf/Duration.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { Approval as _warrant_v1_Approval, Approval__Output as _warrant_v1_Approval__Output } from './warrant/v1/Approval.js';
import type { AwsSession as _warrant_v1_AwsSession, AwsSession__Output as _warrant_v1_AwsSession__Output } from './warrant/v1/AwsSession.js';
import type { Credential as _warrant_v1_Credential, Credential__Output as _warrant_v1_Credential__Output } from './warrant/v1/Credential.js';
import type { DatabaseLogin as _warrant_v1_DatabaseLogin, DatabaseLogin__Output as _warrant_v1_DatabaseLogin__Output } from './warrant/v1/DatabaseLogin.js';
import type { Lease as _warrant_v1_Lease, Lease__Output as _warrant_v1_Lease__Output } from './warrant/v1/Lease.js';
import type { LeaseSelector as _warrant_v1_LeaseSelector, LeaseSelector__Output as _warrant_v1_LeaseSelector__Output } from './warrant/v1/LeaseSelector.js';
import type { OAuthToken as _warrant_v1_OAuthToken, OAuthToken__Output as _warrant_v1_OAuthToken__Output } from './warrant/v1/OAuthToken.js';
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
      Approval: MessageTypeDefinition<_warrant_v1_Approval, _warrant_v1_Approval__Output>
      ApprovalState: EnumTypeDefinition
      AwsSession: MessageTypeDefinition<_warrant_v1_AwsSession, _warrant_v1_AwsSession__Output>
      Credential: MessageTypeDefinition<_warrant_v1_Credential, _warrant_v1_Credential__Output>
      DatabaseLogin: MessageTypeDefinition<_warrant_v1_DatabaseLogin, _warrant_v1_DatabaseLogin__Output>
      Lease: MessageTypeDefinition<_warrant_v1_Lease, _warrant_v1_Lease__Output>
      LeaseSelector: MessageTypeDefinition<_warrant_v1_LeaseSelector, _warrant_v1_LeaseSelector__Output>
      LeaseState: EnumTypeDefinition
      OAuthToken: MessageTypeDefinition<_warrant_v1_OAuthToken, _warrant_v1_OAuthToken__Output>
      Task: MessageTypeDefinition<_warrant_v1_Task, _warrant_v1_Task__Output>
      TaskBudget: MessageTypeDefinition<_warrant_v1_TaskBudget, _warrant_v1_TaskBudget__Output>
      TaskInfo: MessageTypeDefinition<_warrant_v1_TaskInfo, _warrant_v1_TaskInfo__Output>
      TaskState: EnumTypeDefinition
      Tool: MessageTypeDefinition<_warrant_v1_Tool, _warrant_v1_Tool__Output>
      Trigger: EnumTypeDefinition
    }
  }
}

