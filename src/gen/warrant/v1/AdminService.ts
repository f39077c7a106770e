// Original file: proto/warrant/v1/admin_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DecideApprovalRequest as _warrant_v1_DecideApprovalRequest, DecideApprovalRequest__Output as _warrant_v1_DecideApprovalRequest__Output } from '../../warrant/v1/DecideApprovalRequest.js';
import type { DecideApprovalResponse as _warrant_v1_DecideApprovalResponse, DecideApprovalResponse__Output as _warrant_v1_DecideApprovalResponse__Output } from '../../warrant/v1/DecideApprovalResponse.js';
import type { GetLeaseRequest as _warrant_v1_GetLeaseRequest, GetLeaseRequest__Output as _warrant_v1_GetLeaseRequest__Output } from '../../warrant/v1/GetLeaseRequest.js';
import type { GetLeaseResponse as _warrant_v1_GetLeaseResponse, GetLeaseResponse__Output as _warrant_v1_GetLeaseResponse__Output } from '../../warrant/v1/GetLeaseResponse.js';
import type { ListApprovalsRequest as _warrant_v1_ListApprovalsRequest, ListApprovalsRequest__Output as _warrant_v1_ListApprovalsRequest__Output } from '../../warrant/v1/ListApprovalsRequest.js';
import type { ListApprovalsResponse as _warrant_v1_ListApprovalsResponse, ListApprovalsResponse__Output as _warrant_v1_ListApprovalsResponse__Output } from '../../warrant/v1/ListApprovalsResponse.js';
import type { ListLeasesRequest as _warrant_v1_ListLeasesRequest, ListLeasesRequest__Output as _warrant_v1_ListLeasesRequest__Output } from '../../warrant/v1/ListLeasesRequest.js';
import type { ListLeasesResponse as _warrant_v1_ListLeasesResponse, ListLeasesResponse__Output as _warrant_v1_ListLeasesResponse__Output } from '../../warrant/v1/ListLeasesResponse.js';
import type { RevokeMatchingProgress as _warrant_v1_RevokeMatchingProgress, RevokeMatchingProgress__Output as _warrant_v1_RevokeMatchingProgress__Output } from '../../warrant/v1/RevokeMatchingProgress.js';
import type { RevokeMatchingRequest as _warrant_v1_RevokeMatchingRequest, RevokeMatchingRequest__Output as _warrant_v1_RevokeMatchingRequest__Output } from '../../warrant/v1/RevokeMatchingRequest.js';
import type { RevokeTaskRequest as _warrant_v1_RevokeTaskRequest, RevokeTaskRequest__Output as _warrant_v1_RevokeTaskRequest__Output } from '../../warrant/v1/RevokeTaskRequest.js';
import type { RevokeTaskResponse as _warrant_v1_RevokeTaskResponse, RevokeTaskResponse__Output as _warrant_v1_RevokeTaskResponse__Output } from '../../warrant/v1/RevokeTaskResponse.js';
import type { RotateProviderCredentialRequest as _warrant_v1_RotateProviderCredentialRequest, RotateProviderCredentialRequest__Output as _warrant_v1_RotateProviderCredentialRequest__Output } from '../../warrant/v1/RotateProviderCredentialRequest.js';
import type { RotateProviderCredentialResponse as _warrant_v1_RotateProviderCredentialResponse, RotateProviderCredentialResponse__Output as _warrant_v1_RotateProviderCredentialResponse__Output } from '../../warrant/v1/RotateProviderCredentialResponse.js';

/**
 * What operators call. Only SPIFFE IDs configured as admins may.
 */
export interface AdminServiceClient extends grpc.Client {
  /**
   * Approves or denies a pending approval. The approver is the caller's SPIFFE ID; Cedar must
   * permit it Action::"admin.approve" on the request's provider; nobody decides their own request.
   */
  DecideApproval(argument: _warrant_v1_DecideApprovalRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_DecideApprovalResponse__Output>): grpc.ClientUnaryCall;
  DecideApproval(argument: _warrant_v1_DecideApprovalRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_DecideApprovalResponse__Output>): grpc.ClientUnaryCall;
  DecideApproval(argument: _warrant_v1_DecideApprovalRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_DecideApprovalResponse__Output>): grpc.ClientUnaryCall;
  DecideApproval(argument: _warrant_v1_DecideApprovalRequest, callback: grpc.requestCallback<_warrant_v1_DecideApprovalResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Approves or denies a pending approval. The approver is the caller's SPIFFE ID; Cedar must
   * permit it Action::"admin.approve" on the request's provider; nobody decides their own request.
   */
  decideApproval(argument: _warrant_v1_DecideApprovalRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_DecideApprovalResponse__Output>): grpc.ClientUnaryCall;
  decideApproval(argument: _warrant_v1_DecideApprovalRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_DecideApprovalResponse__Output>): grpc.ClientUnaryCall;
  decideApproval(argument: _warrant_v1_DecideApprovalRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_DecideApprovalResponse__Output>): grpc.ClientUnaryCall;
  decideApproval(argument: _warrant_v1_DecideApprovalRequest, callback: grpc.requestCallback<_warrant_v1_DecideApprovalResponse__Output>): grpc.ClientUnaryCall;
  
  GetLease(argument: _warrant_v1_GetLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_GetLeaseResponse__Output>): grpc.ClientUnaryCall;
  GetLease(argument: _warrant_v1_GetLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_GetLeaseResponse__Output>): grpc.ClientUnaryCall;
  GetLease(argument: _warrant_v1_GetLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_GetLeaseResponse__Output>): grpc.ClientUnaryCall;
  GetLease(argument: _warrant_v1_GetLeaseRequest, callback: grpc.requestCallback<_warrant_v1_GetLeaseResponse__Output>): grpc.ClientUnaryCall;
  getLease(argument: _warrant_v1_GetLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_GetLeaseResponse__Output>): grpc.ClientUnaryCall;
  getLease(argument: _warrant_v1_GetLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_GetLeaseResponse__Output>): grpc.ClientUnaryCall;
  getLease(argument: _warrant_v1_GetLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_GetLeaseResponse__Output>): grpc.ClientUnaryCall;
  getLease(argument: _warrant_v1_GetLeaseRequest, callback: grpc.requestCallback<_warrant_v1_GetLeaseResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Approvals waiting for a decision (or in the states asked for), newest first.
   */
  ListApprovals(argument: _warrant_v1_ListApprovalsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_ListApprovalsResponse__Output>): grpc.ClientUnaryCall;
  ListApprovals(argument: _warrant_v1_ListApprovalsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_ListApprovalsResponse__Output>): grpc.ClientUnaryCall;
  ListApprovals(argument: _warrant_v1_ListApprovalsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_ListApprovalsResponse__Output>): grpc.ClientUnaryCall;
  ListApprovals(argument: _warrant_v1_ListApprovalsRequest, callback: grpc.requestCallback<_warrant_v1_ListApprovalsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Approvals waiting for a decision (or in the states asked for), newest first.
   */
  listApprovals(argument: _warrant_v1_ListApprovalsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_ListApprovalsResponse__Output>): grpc.ClientUnaryCall;
  listApprovals(argument: _warrant_v1_ListApprovalsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_ListApprovalsResponse__Output>): grpc.ClientUnaryCall;
  listApprovals(argument: _warrant_v1_ListApprovalsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_ListApprovalsResponse__Output>): grpc.ClientUnaryCall;
  listApprovals(argument: _warrant_v1_ListApprovalsRequest, callback: grpc.requestCallback<_warrant_v1_ListApprovalsResponse__Output>): grpc.ClientUnaryCall;
  
  ListLeases(argument: _warrant_v1_ListLeasesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  ListLeases(argument: _warrant_v1_ListLeasesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  ListLeases(argument: _warrant_v1_ListLeasesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  ListLeases(argument: _warrant_v1_ListLeasesRequest, callback: grpc.requestCallback<_warrant_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  listLeases(argument: _warrant_v1_ListLeasesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  listLeases(argument: _warrant_v1_ListLeasesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  listLeases(argument: _warrant_v1_ListLeasesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  listLeases(argument: _warrant_v1_ListLeasesRequest, callback: grpc.requestCallback<_warrant_v1_ListLeasesResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Revokes every lease the selector matches, streaming progress.
   */
  RevokeMatching(argument: _warrant_v1_RevokeMatchingRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_warrant_v1_RevokeMatchingProgress__Output>;
  RevokeMatching(argument: _warrant_v1_RevokeMatchingRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_warrant_v1_RevokeMatchingProgress__Output>;
  /**
   * Revokes every lease the selector matches, streaming progress.
   */
  revokeMatching(argument: _warrant_v1_RevokeMatchingRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_warrant_v1_RevokeMatchingProgress__Output>;
  revokeMatching(argument: _warrant_v1_RevokeMatchingRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_warrant_v1_RevokeMatchingProgress__Output>;
  
  /**
   * Revokes a task and every task delegated from it, with all their leases (trigger OPERATOR for
   * the task, PARENT_REVOKED for its descendants).
   */
  RevokeTask(argument: _warrant_v1_RevokeTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_RevokeTaskResponse__Output>): grpc.ClientUnaryCall;
  RevokeTask(argument: _warrant_v1_RevokeTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_RevokeTaskResponse__Output>): grpc.ClientUnaryCall;
  RevokeTask(argument: _warrant_v1_RevokeTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_RevokeTaskResponse__Output>): grpc.ClientUnaryCall;
  RevokeTask(argument: _warrant_v1_RevokeTaskRequest, callback: grpc.requestCallback<_warrant_v1_RevokeTaskResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Revokes a task and every task delegated from it, with all their leases (trigger OPERATOR for
   * the task, PARENT_REVOKED for its descendants).
   */
  revokeTask(argument: _warrant_v1_RevokeTaskRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_RevokeTaskResponse__Output>): grpc.ClientUnaryCall;
  revokeTask(argument: _warrant_v1_RevokeTaskRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_RevokeTaskResponse__Output>): grpc.ClientUnaryCall;
  revokeTask(argument: _warrant_v1_RevokeTaskRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_RevokeTaskResponse__Output>): grpc.ClientUnaryCall;
  revokeTask(argument: _warrant_v1_RevokeTaskRequest, callback: grpc.requestCallback<_warrant_v1_RevokeTaskResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Replaces the credential a provider itself uses at its backend (a database provider's admin
   * password) with a fresh one only warrant knows, like Vault's rotate-root. FAILED_PRECONDITION
   * (ERR_ROTATION_UNSUPPORTED) when the provider has none or the config gives it nowhere to keep one.
   */
  RotateProviderCredential(argument: _warrant_v1_RotateProviderCredentialRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_RotateProviderCredentialResponse__Output>): grpc.ClientUnaryCall;
  RotateProviderCredential(argument: _warrant_v1_RotateProviderCredentialRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_RotateProviderCredentialResponse__Output>): grpc.ClientUnaryCall;
  RotateProviderCredential(argument: _warrant_v1_RotateProviderCredentialRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_RotateProviderCredentialResponse__Output>): grpc.ClientUnaryCall;
  RotateProviderCredential(argument: _warrant_v1_RotateProviderCredentialRequest, callback: grpc.requestCallback<_warrant_v1_RotateProviderCredentialResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Replaces the credential a provider itself uses at its backend (a database provider's admin
   * password) with a fresh one only warrant knows, like Vault's rotate-root. FAILED_PRECONDITION
   * (ERR_ROTATION_UNSUPPORTED) when the provider has none or the config gives it nowhere to keep one.
   */
  rotateProviderCredential(argument: _warrant_v1_RotateProviderCredentialRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_RotateProviderCredentialResponse__Output>): grpc.ClientUnaryCall;
  rotateProviderCredential(argument: _warrant_v1_RotateProviderCredentialRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_RotateProviderCredentialResponse__Output>): grpc.ClientUnaryCall;
  rotateProviderCredential(argument: _warrant_v1_RotateProviderCredentialRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_RotateProviderCredentialResponse__Output>): grpc.ClientUnaryCall;
  rotateProviderCredential(argument: _warrant_v1_RotateProviderCredentialRequest, callback: grpc.requestCallback<_warrant_v1_RotateProviderCredentialResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * What operators call. Only SPIFFE IDs configured as admins may.
 */
export interface AdminServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Approves or denies a pending approval. The approver is the caller's SPIFFE ID; Cedar must
   * permit it Action::"admin.approve" on the request's provider; nobody decides their own request.
   */
  DecideApproval: grpc.handleUnaryCall<_warrant_v1_DecideApprovalRequest__Output, _warrant_v1_DecideApprovalResponse>;
  
  GetLease: grpc.handleUnaryCall<_warrant_v1_GetLeaseRequest__Output, _warrant_v1_GetLeaseResponse>;
  
  /**
   * Approvals waiting for a decision (or in the states asked for), newest first.
   */
  ListApprovals: grpc.handleUnaryCall<_warrant_v1_ListApprovalsRequest__Output, _warrant_v1_ListApprovalsResponse>;
  
  ListLeases: grpc.handleUnaryCall<_warrant_v1_ListLeasesRequest__Output, _warrant_v1_ListLeasesResponse>;
  
  /**
   * Revokes every lease the selector matches, streaming progress.
   */
  RevokeMatching: grpc.handleServerStreamingCall<_warrant_v1_RevokeMatchingRequest__Output, _warrant_v1_RevokeMatchingProgress>;
  
  /**
   * Revokes a task and every task delegated from it, with all their leases (trigger OPERATOR for
   * the task, PARENT_REVOKED for its descendants).
   */
  RevokeTask: grpc.handleUnaryCall<_warrant_v1_RevokeTaskRequest__Output, _warrant_v1_RevokeTaskResponse>;
  
  /**
   * Replaces the credential a provider itself uses at its backend (a database provider's admin
   * password) with a fresh one only warrant knows, like Vault's rotate-root. FAILED_PRECONDITION
   * (ERR_ROTATION_UNSUPPORTED) when the provider has none or the config gives it nowhere to keep one.
   */
  RotateProviderCredential: grpc.handleUnaryCall<_warrant_v1_RotateProviderCredentialRequest__Output, _warrant_v1_RotateProviderCredentialResponse>;
  
}

export interface AdminServiceDefinition extends grpc.ServiceDefinition {
  DecideApproval: MethodDefinition<_warrant_v1_DecideApprovalRequest, _warrant_v1_DecideApprovalResponse, _warrant_v1_DecideApprovalRequest__Output, _warrant_v1_DecideApprovalResponse__Output>
  GetLease: MethodDefinition<_warrant_v1_GetLeaseRequest, _warrant_v1_GetLeaseResponse, _warrant_v1_GetLeaseRequest__Output, _warrant_v1_GetLeaseResponse__Output>
  ListApprovals: MethodDefinition<_warrant_v1_ListApprovalsRequest, _warrant_v1_ListApprovalsResponse, _warrant_v1_ListApprovalsRequest__Output, _warrant_v1_ListApprovalsResponse__Output>
  ListLeases: MethodDefinition<_warrant_v1_ListLeasesRequest, _warrant_v1_ListLeasesResponse, _warrant_v1_ListLeasesRequest__Output, _warrant_v1_ListLeasesResponse__Output>
  RevokeMatching: MethodDefinition<_warrant_v1_RevokeMatchingRequest, _warrant_v1_RevokeMatchingProgress, _warrant_v1_RevokeMatchingRequest__Output, _warrant_v1_RevokeMatchingProgress__Output>
  RevokeTask: MethodDefinition<_warrant_v1_RevokeTaskRequest, _warrant_v1_RevokeTaskResponse, _warrant_v1_RevokeTaskRequest__Output, _warrant_v1_RevokeTaskResponse__Output>
  RotateProviderCredential: MethodDefinition<_warrant_v1_RotateProviderCredentialRequest, _warrant_v1_RotateProviderCredentialResponse, _warrant_v1_RotateProviderCredentialRequest__Output, _warrant_v1_RotateProviderCredentialResponse__Output>
}
