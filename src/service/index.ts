export { Authority, matchesPattern, type SidecarGrant, type Standing } from './authority.js';
export type {
  IntrospectionResponse,
  IssueInput,
  IssueOutput,
  LeaseSelector,
  RenewOutput,
  RevokeProgress,
  TaskInput,
} from './types.js';
export { WarrantService, compileSelector, type ServiceDeps } from './warrant-service.js';
