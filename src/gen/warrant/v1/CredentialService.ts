// Original file: proto/warrant/v1/credential_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CompleteTaskRequest as _warrant_v1_CompleteTaskRequest, CompleteTaskRequest__Output as _warrant_v1_CompleteTaskRequest__Output } from '../../warrant/v1/CompleteTaskRequest.js';
import type { CompleteTaskResponse as _warrant_v1_CompleteTaskResponse, CompleteTaskResponse__Output as _warrant_v1_CompleteTaskResponse__Output } from '../../warrant/v1/CompleteTaskResponse.js';
import type { DelegateTaskRequest as _warrant_v1_DelegateTaskRequest, DelegateTaskRequest__Output as _warrant_v1_DelegateTaskRequest__Output } from '../../warrant/v1/DelegateTaskRequest.js';
import type { DelegateTaskResponse as _warrant_v1_DelegateTaskResponse, DelegateTaskResponse__Output as _warrant_v1_DelegateTaskResponse__Output } from '../../warrant/v1/DelegateTaskResponse.js';
import type { GetApprovalRequest as _warrant_v1_GetApprovalRequest, GetApprovalRequest__Output as _warrant_v1_GetApprovalRequest__Output } from '../../warrant/v1/GetApprovalRequest.js';
import type { GetApprovalResponse as _warrant_v1_GetApprovalResponse, GetApprovalResponse__Output as _warrant_v1_GetApprovalResponse__Output } from '../../warrant/v1/GetApprovalResponse.js';
import type { GetTaskRequest as _warrant_v1_GetTaskRequest, GetTaskRequest__Output as _warrant_v1_GetTaskRequest__Output } from '../../warrant/v1/GetTaskRequest.js';
import type { GetTaskResponse as _warrant_v1_GetTaskResponse, GetTaskResponse__Output as _warrant_v1_GetTaskResponse__Output } from '../../warrant/v1/GetTaskResponse.js';
import type { IssueTaskCredentialRequest as _warrant_v1_IssueTaskCredentialRequest, IssueTaskCredentialRequest__Output as _warrant_v1_IssueTaskCredentialRequest__Output } from '../../warrant/v1/IssueTaskCredentialRequest.js';
import type { IssueTaskCredentialResponse as _warrant_v1_IssueTaskCredentialResponse, IssueTaskCredentialResponse__Output as _warrant_v1_IssueTaskCredentialResponse__Output } from '../../warrant/v1/IssueTaskCredentialResponse.js';
import type { LeaseEvent as _warrant_v1_LeaseEvent, LeaseEvent__Output as _warrant_v1_LeaseEvent__Output } from '../../warrant/v1/LeaseEvent.js';
import type { OpenTaskRequest as _warrant_v1_OpenTaskRequest, OpenTaskRequest__Output as _warrant_v1_OpenTaskRequest__Output } from '../../warrant/v1/OpenTaskRequest.js';
import type { OpenTaskResponse as _warrant_v1_OpenTaskResponse, OpenTaskResponse__Output as _warrant_v1_OpenTaskResponse__Output } from '../../warrant/v1/OpenTaskResponse.js';
import type { RenewLeaseRequest as _warrant_v1_RenewLeaseRequest, RenewLeaseRequest__Output as _warrant_v1_RenewLeaseRequest__Output } from '../../warrant/v1/RenewLeaseRequest.js';
import type { RenewLeaseResponse as _warrant_v1_RenewLeaseResponse, RenewLeaseResponse__Output as _warrant_v1_RenewLeaseResponse__Output } from '../../warrant/v1/RenewLeaseResponse.js';
import type { RevokeLeaseRequest as _warrant_v1_RevokeLeaseRequest, RevokeLeaseRequest__Output as _warrant_v1_RevokeLeaseRequest__Output } from '../../warrant/v1/RevokeLeaseRequest.js';
import type { RevokeLeaseResponse as _warrant_v1_RevokeLeaseResponse, RevokeLeaseResponse__Output as _warrant_v1_RevokeLeaseResponse__Output } from '../../warrant/v1/RevokeLeaseResponse.js';
import type { WatchLeasesRequest as _warrant_v1_WatchLeasesRequest, WatchLeasesRequest__Output as _warrant_v1_WatchLeasesRequest__Output } from '../../warrant/v1/WatchLeasesRequest.js';

/**
 * What agents and their sidecars call. The caller is the workload proven by its SVID.
 */
export interface CredentialServiceClient extends grpc.Client {
  /**
   * Ends a task: every lease of the task is revoked.
   */
  CompleteTask(argument: _warrant_v1_CompleteTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_CompleteTaskResponse__Output>): grpc.ClientUnaryCall;
  CompleteTask(argument: _warrant_v1_CompleteTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_CompleteTaskResponse__Output>): grpc.ClientUnaryCall;
  CompleteTask(argument: _warrant_v1_CompleteTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_CompleteTaskResponse__Output>): grpc.ClientUnaryCall;
  CompleteTask(argument: _warrant_v1_CompleteTaskRequest, callback: grpc.requestCallback<_warrant_v1_CompleteTaskResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Ends a task: every lease of the task is revoked.
   */
  completeTask(argument: _warrant_v1_CompleteTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_CompleteTaskResponse__Output>): grpc.ClientUnaryCall;
  completeTask(argument: _warrant_v1_CompleteTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_CompleteTaskResponse__Output>): grpc.ClientUnaryCall;
  completeTask(argument: _warrant_v1_CompleteTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_CompleteTaskResponse__Output>): grpc.ClientUnaryCall;
  completeTask(argument: _warrant_v1_CompleteTaskRequest, callback: grpc.requestCallback<_warrant_v1_CompleteTaskResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Hands part of a task of the caller's to another workload: a child task within the parent's
   * tools, scopes, budget and lifetime. Revoking or completing the parent revokes it.
   */
  DelegateTask(argument: _warrant_v1_DelegateTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_DelegateTaskResponse__Output>): grpc.ClientUnaryCall;
  DelegateTask(argument: _warrant_v1_DelegateTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_DelegateTaskResponse__Output>): grpc.ClientUnaryCall;
  DelegateTask(argument: _warrant_v1_DelegateTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_DelegateTaskResponse__Output>): grpc.ClientUnaryCall;
  DelegateTask(argument: _warrant_v1_DelegateTaskRequest, callback: grpc.requestCallback<_warrant_v1_DelegateTaskResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Hands part of a task of the caller's to another workload: a child task within the parent's
   * tools, scopes, budget and lifetime. Revoking or completing the parent revokes it.
   */
  delegateTask(argument: _warrant_v1_DelegateTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_DelegateTaskResponse__Output>): grpc.ClientUnaryCall;
  delegateTask(argument: _warrant_v1_DelegateTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_DelegateTaskResponse__Output>): grpc.ClientUnaryCall;
  delegateTask(argument: _warrant_v1_DelegateTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_DelegateTaskResponse__Output>): grpc.ClientUnaryCall;
  delegateTask(argument: _warrant_v1_DelegateTaskRequest, callback: grpc.requestCallback<_warrant_v1_DelegateTaskResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * An approval of one of the caller's requests; with `wait`, blocks until it is decided (or the
   * wait or the call's deadline passes).
   */
  GetApproval(argument: _warrant_v1_GetApprovalRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_GetApprovalResponse__Output>): grpc.ClientUnaryCall;
  GetApproval(argument: _warrant_v1_GetApprovalRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_GetApprovalResponse__Output>): grpc.ClientUnaryCall;
  GetApproval(argument: _warrant_v1_GetApprovalRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_GetApprovalResponse__Output>): grpc.ClientUnaryCall;
  GetApproval(argument: _warrant_v1_GetApprovalRequest, callback: grpc.requestCallback<_warrant_v1_GetApprovalResponse__Output>): grpc.ClientUnaryCall;
  /**
   * An approval of one of the caller's requests; with `wait`, blocks until it is decided (or the
   * wait or the call's deadline passes).
   */
  getApproval(argument: _warrant_v1_GetApprovalRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_GetApprovalResponse__Output>): grpc.ClientUnaryCall;
  getApproval(argument: _warrant_v1_GetApprovalRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_GetApprovalResponse__Output>): grpc.ClientUnaryCall;
  getApproval(argument: _warrant_v1_GetApprovalRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_GetApprovalResponse__Output>): grpc.ClientUnaryCall;
  getApproval(argument: _warrant_v1_GetApprovalRequest, callback: grpc.requestCallback<_warrant_v1_GetApprovalResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * A task of the caller's (or one it delegated), with its counters.
   */
  GetTask(argument: _warrant_v1_GetTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  GetTask(argument: _warrant_v1_GetTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  GetTask(argument: _warrant_v1_GetTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  GetTask(argument: _warrant_v1_GetTaskRequest, callback: grpc.requestCallback<_warrant_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  /**
   * A task of the caller's (or one it delegated), with its counters.
   */
  getTask(argument: _warrant_v1_GetTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  getTask(argument: _warrant_v1_GetTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  getTask(argument: _warrant_v1_GetTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  getTask(argument: _warrant_v1_GetTaskRequest, callback: grpc.requestCallback<_warrant_v1_GetTaskResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Mints one credential for one provider, for one task, after policy allows it.
   */
  IssueTaskCredential(argument: _warrant_v1_IssueTaskCredentialRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_IssueTaskCredentialResponse__Output>): grpc.ClientUnaryCall;
  IssueTaskCredential(argument: _warrant_v1_IssueTaskCredentialRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_IssueTaskCredentialResponse__Output>): grpc.ClientUnaryCall;
  IssueTaskCredential(argument: _warrant_v1_IssueTaskCredentialRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_IssueTaskCredentialResponse__Output>): grpc.ClientUnaryCall;
  IssueTaskCredential(argument: _warrant_v1_IssueTaskCredentialRequest, callback: grpc.requestCallback<_warrant_v1_IssueTaskCredentialResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Mints one credential for one provider, for one task, after policy allows it.
   */
  issueTaskCredential(argument: _warrant_v1_IssueTaskCredentialRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_IssueTaskCredentialResponse__Output>): grpc.ClientUnaryCall;
  issueTaskCredential(argument: _warrant_v1_IssueTaskCredentialRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_IssueTaskCredentialResponse__Output>): grpc.ClientUnaryCall;
  issueTaskCredential(argument: _warrant_v1_IssueTaskCredentialRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_IssueTaskCredentialResponse__Output>): grpc.ClientUnaryCall;
  issueTaskCredential(argument: _warrant_v1_IssueTaskCredentialRequest, callback: grpc.requestCallback<_warrant_v1_IssueTaskCredentialResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Opens a task (declaring its tools and budget) without issuing anything; IssueTaskCredential
   * opens it too on first use.
   */
  OpenTask(argument: _warrant_v1_OpenTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_OpenTaskResponse__Output>): grpc.ClientUnaryCall;
  OpenTask(argument: _warrant_v1_OpenTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_OpenTaskResponse__Output>): grpc.ClientUnaryCall;
  OpenTask(argument: _warrant_v1_OpenTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_OpenTaskResponse__Output>): grpc.ClientUnaryCall;
  OpenTask(argument: _warrant_v1_OpenTaskRequest, callback: grpc.requestCallback<_warrant_v1_OpenTaskResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Opens a task (declaring its tools and budget) without issuing anything; IssueTaskCredential
   * opens it too on first use.
   */
  openTask(argument: _warrant_v1_OpenTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_OpenTaskResponse__Output>): grpc.ClientUnaryCall;
  openTask(argument: _warrant_v1_OpenTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_OpenTaskResponse__Output>): grpc.ClientUnaryCall;
  openTask(argument: _warrant_v1_OpenTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_OpenTaskResponse__Output>): grpc.ClientUnaryCall;
  openTask(argument: _warrant_v1_OpenTaskRequest, callback: grpc.requestCallback<_warrant_v1_OpenTaskResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Extends a lease (and, where the provider needs it, returns a fresh credential).
   */
  RenewLease(argument: _warrant_v1_RenewLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_RenewLeaseResponse__Output>): grpc.ClientUnaryCall;
  RenewLease(argument: _warrant_v1_RenewLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_RenewLeaseResponse__Output>): grpc.ClientUnaryCall;
  RenewLease(argument: _warrant_v1_RenewLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_RenewLeaseResponse__Output>): grpc.ClientUnaryCall;
  RenewLease(argument: _warrant_v1_RenewLeaseRequest, callback: grpc.requestCallback<_warrant_v1_RenewLeaseResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Extends a lease (and, where the provider needs it, returns a fresh credential).
   */
  renewLease(argument: _warrant_v1_RenewLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_RenewLeaseResponse__Output>): grpc.ClientUnaryCall;
  renewLease(argument: _warrant_v1_RenewLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_RenewLeaseResponse__Output>): grpc.ClientUnaryCall;
  renewLease(argument: _warrant_v1_RenewLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_RenewLeaseResponse__Output>): grpc.ClientUnaryCall;
  renewLease(argument: _warrant_v1_RenewLeaseRequest, callback: grpc.requestCallback<_warrant_v1_RenewLeaseResponse__Output>): grpc.ClientUnaryCall;
  
  RevokeLease(argument: _warrant_v1_RevokeLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_RevokeLeaseResponse__Output>): grpc.ClientUnaryCall;
  RevokeLease(argument: _warrant_v1_RevokeLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_RevokeLeaseResponse__Output>): grpc.ClientUnaryCall;
  RevokeLease(argument: _warrant_v1_RevokeLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_RevokeLeaseResponse__Output>): grpc.ClientUnaryCall;
  RevokeLease(argument: _warrant_v1_RevokeLeaseRequest, callback: grpc.requestCallback<_warrant_v1_RevokeLeaseResponse__Output>): grpc.ClientUnaryCall;
  revokeLease(argument: _warrant_v1_RevokeLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_RevokeLeaseResponse__Output>): grpc.ClientUnaryCall;
  revokeLease(argument: _warrant_v1_RevokeLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_RevokeLeaseResponse__Output>): grpc.ClientUnaryCall;
  revokeLease(argument: _warrant_v1_RevokeLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_RevokeLeaseResponse__Output>): grpc.ClientUnaryCall;
  revokeLease(argument: _warrant_v1_RevokeLeaseRequest, callback: grpc.requestCallback<_warrant_v1_RevokeLeaseResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Streams lease events for a task or a set of leases.
   */
  WatchLeases(argument: _warrant_v1_WatchLeasesRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_warrant_v1_LeaseEvent__Output>;
  WatchLeases(argument: _warrant_v1_WatchLeasesRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_warrant_v1_LeaseEvent__Output>;
  /**
   * Streams lease events for a task or a set of leases.
   */
  watchLeases(argument: _warrant_v1_WatchLeasesRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_warrant_v1_LeaseEvent__Output>;
  watchLeases(argument: _warrant_v1_WatchLeasesRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_warrant_v1_LeaseEvent__Output>;
  
}

/**
 * What agents and their sidecars call. The caller is the workload proven by its SVID.
 */
export interface CredentialServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Ends a task: every lease of the task is revoked.
   */
  CompleteTask: grpc.handleUnaryCall<_warrant_v1_CompleteTaskRequest__Output, _warrant_v1_CompleteTaskResponse>;
  
  /**
   * Hands part of a task of the caller's to another workload: a child task within the parent's
   * tools, scopes, budget and lifetime. Revoking or completing the parent revokes it.
   */
  DelegateTask: grpc.handleUnaryCall<_warrant_v1_DelegateTaskRequest__Output, _warrant_v1_DelegateTaskResponse>;
  
  /**
   * An approval of one of the caller's requests; with `wait`, blocks until it is decided (or the
   * wait or the call's deadline passes).
   */
  GetApproval: grpc.handleUnaryCall<_warrant_v1_GetApprovalRequest__Output, _warrant_v1_GetApprovalResponse>;
  
  /**
   * A task of the caller's (or one it delegated), with its counters.
   */
  GetTask: grpc.handleUnaryCall<_warrant_v1_GetTaskRequest__Output, _warrant_v1_GetTaskResponse>;
  
  /**
   * Mints one credential for one provider, for one task, after policy allows it.
   */
  IssueTaskCredential: grpc.handleUnaryCall<_warrant_v1_IssueTaskCredentialRequest__Output, _warrant_v1_IssueTaskCredentialResponse>;
  
  /**
   * Opens a task (declaring its tools and budget) without issuing anything; IssueTaskCredential
   * opens it too on first use.
   */
  OpenTask: grpc.handleUnaryCall<_warrant_v1_OpenTaskRequest__Output, _warrant_v1_OpenTaskResponse>;
  
  /**
   * Extends a lease (and, where the provider needs it, returns a fresh credential).
   */
  RenewLease: grpc.handleUnaryCall<_warrant_v1_RenewLeaseRequest__Output, _warrant_v1_RenewLeaseResponse>;
  
  RevokeLease: grpc.handleUnaryCall<_warrant_v1_RevokeLeaseRequest__Output, _warrant_v1_RevokeLeaseResponse>;
  
  /**
   * Streams lease events for a task or a set of leases.
   */
  WatchLeases: grpc.handleServerStreamingCall<_warrant_v1_WatchLeasesRequest__Output, _warrant_v1_LeaseEvent>;
  
}

export interface CredentialServiceDefinition extends grpc.ServiceDefinition {
  CompleteTask: MethodDefinition<_warrant_v1_CompleteTaskRequest, _warrant_v1_CompleteTaskResponse, _warrant_v1_CompleteTaskRequest__Output, _warrant_v1_CompleteTaskResponse__Output>
  DelegateTask: MethodDefinition<_warrant_v1_DelegateTaskRequest, _warrant_v1_DelegateTaskResponse, _warrant_v1_DelegateTaskRequest__Output, _warrant_v1_DelegateTaskResponse__Output>
  GetApproval: MethodDefinition<_warrant_v1_GetApprovalRequest, _warrant_v1_GetApprovalResponse, _warrant_v1_GetApprovalRequest__Output, _warrant_v1_GetApprovalResponse__Output>
  GetTask: MethodDefinition<_warrant_v1_GetTaskRequest, _warrant_v1_GetTaskResponse, _warrant_v1_GetTaskRequest__Output, _warrant_v1_GetTaskResponse__Output>
  IssueTaskCredential: MethodDefinition<_warrant_v1_IssueTaskCredentialRequest, _warrant_v1_IssueTaskCredentialResponse, _warrant_v1_IssueTaskCredentialRequest__Output, _warrant_v1_IssueTaskCredentialResponse__Output>
  OpenTask: MethodDefinition<_warrant_v1_OpenTaskRequest, _warrant_v1_OpenTaskResponse, _warrant_v1_OpenTaskRequest__Output, _warrant_v1_OpenTaskResponse__Output>
  RenewLease: MethodDefinition<_warrant_v1_RenewLeaseRequest, _warrant_v1_RenewLeaseResponse, _warrant_v1_RenewLeaseRequest__Output, _warrant_v1_RenewLeaseResponse__Output>
  RevokeLease: MethodDefinition<_warrant_v1_RevokeLeaseRequest, _warrant_v1_RevokeLeaseResponse, _warrant_v1_RevokeLeaseRequest__Output, _warrant_v1_RevokeLeaseResponse__Output>
  WatchLeases: MethodDefinition<_warrant_v1_WatchLeasesRequest, _warrant_v1_LeaseEvent, _warrant_v1_WatchLeasesRequest__Output, _warrant_v1_LeaseEvent__Output>
}
