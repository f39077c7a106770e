// Original file: proto/warrant/v1/credential_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CompleteTaskRequest as _warrant_v1_CompleteTaskRequest, CompleteTaskRequest__Output as _warrant_v1_CompleteTaskRequest__Output } from '../../warrant/v1/CompleteTaskRequest.js';
import type { CompleteTaskResponse as _warrant_v1_CompleteTaskResponse, CompleteTaskResponse__Output as _warrant_v1_CompleteTaskResponse__Output } from '../../warrant/v1/CompleteTaskResponse.js';
import type { IssueTaskCredentialRequest as _warrant_v1_IssueTaskCredentialRequest, IssueTaskCredentialRequest__Output as _warrant_v1_IssueTaskCredentialRequest__Output } from '../../warrant/v1/IssueTaskCredentialRequest.js';
import type { IssueTaskCredentialResponse as _warrant_v1_IssueTaskCredentialResponse, IssueTaskCredentialResponse__Output as _warrant_v1_IssueTaskCredentialResponse__Output } from '../../warrant/v1/IssueTaskCredentialResponse.js';
import type { LeaseEvent as _warrant_v1_LeaseEvent, LeaseEvent__Output as _warrant_v1_LeaseEvent__Output } from '../../warrant/v1/LeaseEvent.js';
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
   * Mints one credential for one provider, for one task, after policy allows it.
   */
  IssueTaskCredential: grpc.handleUnaryCall<_warrant_v1_IssueTaskCredentialRequest__Output, _warrant_v1_IssueTaskCredentialResponse>;
  
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
  IssueTaskCredential: MethodDefinition<_warrant_v1_IssueTaskCredentialRequest, _warrant_v1_IssueTaskCredentialResponse, _warrant_v1_IssueTaskCredentialRequest__Output, _warrant_v1_IssueTaskCredentialResponse__Output>
  RenewLease: MethodDefinition<_warrant_v1_RenewLeaseRequest, _warrant_v1_RenewLeaseResponse, _warrant_v1_RenewLeaseRequest__Output, _warrant_v1_RenewLeaseResponse__Output>
  RevokeLease: MethodDefinition<_warrant_v1_RevokeLeaseRequest, _warrant_v1_RevokeLeaseResponse, _warrant_v1_RevokeLeaseRequest__Output, _warrant_v1_RevokeLeaseResponse__Output>
  WatchLeases: MethodDefinition<_warrant_v1_WatchLeasesRequest, _warrant_v1_LeaseEvent, _warrant_v1_WatchLeasesRequest__Output, _warrant_v1_LeaseEvent__Output>
}
