// Original file: proto/warrant/v1/credential_service.proto


export interface RevokeLeaseRequest {
  'lease_id'?: (string);
  'reason'?: (string);
}

export interface RevokeLeaseRequest__Output {
  'lease_id': (string);
  'reason': (string);
}
