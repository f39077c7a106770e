// Original file: proto/warrant/v1/admin_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetLeaseRequest as _warrant_v1_GetLeaseRequest, GetLeaseRequest__Output as _warrant_v1_GetLeaseRequest__Output } from '../../warrant/v1/GetLeaseRequest.js';
import type { GetLeaseResponse as _warrant_v1_GetLeaseResponse, GetLeaseResponse__Output as _warrant_v1_GetLeaseResponse__Output } from '../../warrant/v1/GetLeaseResponse.js';
import type { ListLeasesRequest as _warrant_v1_ListLeasesRequest, ListLeasesRequest__Output as _warrant_v1_ListLeasesRequest__Output } from '../../warrant/v1/ListLeasesRequest.js';
import type { ListLeasesResponse as _warrant_v1_ListLeasesResponse, ListLeasesResponse__Output as _warrant_v1_ListLeasesResponse__Output } from '../../warrant/v1/ListLeasesResponse.js';
import type { RevokeMatchingProgress as _warrant_v1_RevokeMatchingProgress, RevokeMatchingProgress__Output as _warrant_v1_RevokeMatchingProgress__Output } from '../../warrant/v1/RevokeMatchingProgress.js';
import type { RevokeMatchingRequest as _warrant_v1_RevokeMatchingRequest, RevokeMatchingRequest__Output as _warrant_v1_RevokeMatchingRequest__Output } from '../../warrant/v1/RevokeMatchingRequest.js';

/**
 * What operators call. Only SPIFFE IDs configured as admins may.
 */
export interface AdminServiceClient extends grpc.Client {
  GetLease(argument: _warrant_v1_GetLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_GetLeaseResponse__Output>): grpc.ClientUnaryCall;
  GetLease(argument: _warrant_v1_GetLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_GetLeaseResponse__Output>): grpc.ClientUnaryCall;
  GetLease(argument: _warrant_v1_GetLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_GetLeaseResponse__Output>): grpc.ClientUnaryCall;
  GetLease(argument: _warrant_v1_GetLeaseRequest, callback: grpc.requestCallback<_warrant_v1_GetLeaseResponse__Output>): grpc.ClientUnaryCall;
  getLease(argument: _warrant_v1_GetLeaseRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_GetLeaseResponse__Output>): grpc.ClientUnaryCall;
  getLease(argument: _warrant_v1_GetLeaseRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_warrant_v1_GetLeaseResponse__Output>): grpc.ClientUnaryCall;
  getLease(argument: _warrant_v1_GetLeaseRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_warrant_v1_GetLeaseResponse__Output>): grpc.ClientUnaryCall;
  getLease(argument: _warrant_v1_GetLeaseRequest, callback: grpc.requestCallback<_warrant_v1_GetLeaseResponse__Output>): grpc.ClientUnaryCall;
  
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
  
}

/**
 * What operators call. Only SPIFFE IDs configured as admins may.
 */
export interface AdminServiceHandlers extends grpc.UntypedServiceImplementation {
  GetLease: grpc.handleUnaryCall<_warrant_v1_GetLeaseRequest__Output, _warrant_v1_GetLeaseResponse>;
  
  ListLeases: grpc.handleUnaryCall<_warrant_v1_ListLeasesRequest__Output, _warrant_v1_ListLeasesResponse>;
  
  /**
   * Revokes every lease the selector matches, streaming progress.
   */
  RevokeMatching: grpc.handleServerStreamingCall<_warrant_v1_RevokeMatchingRequest__Output, _warrant_v1_RevokeMatchingProgress>;
  
}

export interface AdminServiceDefinition extends grpc.ServiceDefinition {
  GetLease: MethodDefinition<_warrant_v1_GetLeaseRequest, _warrant_v1_GetLeaseResponse, _warrant_v1_GetLeaseRequest__Output, _warrant_v1_GetLeaseResponse__Output>
  ListLeases: MethodDefinition<_warrant_v1_ListLeasesRequest, _warrant_v1_ListLeasesResponse, _warrant_v1_ListLeasesRequest__Output, _warrant_v1_ListLeasesResponse__Output>
  RevokeMatching: MethodDefinition<_warrant_v1_RevokeMatchingRequest, _warrant_v1_RevokeMatchingProgress, _warrant_v1_RevokeMatchingRequest__Output, _warrant_v1_RevokeMatchingProgress__Output>
}
