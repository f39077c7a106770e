// Original file: proto/warrant/v1/admin_service.proto


export interface GetLeaseRequest {
  'lease_id'?: (string);
}

export interface GetLeaseRequest__Output {
  'lease_id': (string);
}
