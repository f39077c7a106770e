// Request bodies for h2load: a protobuf message from the public proto, in one gRPC length-prefixed
// frame (1 byte "not compressed", 4 bytes big-endian length, the message).
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));

let root: protobuf.Root | undefined;

function warrantRoot(): protobuf.Root {
  if (root === undefined) {
    root = new protobuf.Root();
    // google/protobuf/* are bundled with protobufjs; ours come from proto/.
    root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : `${PROTO_DIR}${target}`);
    root.loadSync('warrant/v1/credential_service.proto', { keepCase: true });
  }
  return root;
}

function frame(typeName: string, message: Record<string, unknown>): Buffer {
  const type = warrantRoot().lookupType(typeName);
  const problem = type.verify(message);
  if (problem !== null) throw new Error(`${typeName}: ${problem}`);
  const bytes = type.encode(type.fromObject(message)).finish();
  const out = Buffer.alloc(5 + bytes.length);
  out.writeUInt8(0, 0);
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
}

export const ISSUE_PATH = '/warrant.v1.CredentialService/IssueTaskCredential';
export const RENEW_PATH = '/warrant.v1.CredentialService/RenewLease';

export interface TaskBudget {
  readonly maxCredentials: number;
  readonly maxConcurrentLeases: number;
}

/** Without a budget the task gets the server's default budget. */
export function issueRequestFrame(taskId: string, provider: string, scope: readonly string[], budget?: TaskBudget): Buffer {
  return frame('warrant.v1.IssueTaskCredentialRequest', {
    task: {
      id: taskId,
      purpose: 'benchmark',
      attributes: {},
      parent_id: '',
      ...(budget === undefined ? {} : { budget: { max_credentials: budget.maxCredentials, max_concurrent_leases: budget.maxConcurrentLeases } }),
    },
    provider,
    scope: [...scope],
  });
}

export function renewRequestFrame(leaseId: string): Buffer {
  return frame('warrant.v1.RenewLeaseRequest', { lease_id: leaseId });
}
