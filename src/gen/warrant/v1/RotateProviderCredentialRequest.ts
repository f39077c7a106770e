// Original file: proto/warrant/v1/admin_service.proto


export interface RotateProviderCredentialRequest {
  /**
   * The provider's name, e.g. "orders-db".
   */
  'provider'?: (string);
}

export interface RotateProviderCredentialRequest__Output {
  /**
   * The provider's name, e.g. "orders-db".
   */
  'provider': (string);
}
