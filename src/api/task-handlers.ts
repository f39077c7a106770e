// gRPC handlers for tasks, delegation and approvals; grpc-server.ts adds them to its services.
import type * as grpc from '@grpc/grpc-js';
import type { ServerSurfaceCall } from '@grpc/grpc-js/build/src/server-call.js';
import type { Logger } from 'pino';
import { WarrantError } from '../core/index.js';
import type { AdminServiceHandlers } from '../gen/warrant/v1/AdminService.js';
import type { CredentialServiceHandlers } from '../gen/warrant/v1/CredentialService.js';
import type { GetApprovalResponse } from '../gen/warrant/v1/GetApprovalResponse.js';
import type { Workload } from '../identity/index.js';
import type { WarrantService } from '../service/index.js';
import { credentialToPb, fromDuration, leaseToPb } from './convert.js';
import { toServiceError } from './errors.js';
import type { PeerIdentity } from './peer-identity.js';
import {
  approvalQueryFromPb,
  approvalToPb,
  delegateInputFromPb,
  issueRequestFromPb,
  pendingApprovalToPb,
  taskInfoToPb,
  taskInputFromPb,
} from './task-convert.js';

export interface TaskHandlerDeps {
  readonly service: WarrantService;
  readonly identity: PeerIdentity;
  readonly log: Logger;
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;
/** grpc-server.ts's one wrapper for unary handlers. */
export type UnaryWrapper = <Req, Res>(method: string, fn: (caller: Workload, request: Req) => Promise<Res>) => Unary<Req, Res>;

type TaskCredentialHandlers = Pick<CredentialServiceHandlers, 'IssueTaskCredential' | 'OpenTask' | 'GetTask' | 'DelegateTask' | 'GetApproval'>;
type TaskAdminHandlers = Pick<AdminServiceHandlers, 'RevokeTask' | 'ListApprovals' | 'DecideApproval'>;

export function taskCredentialHandlers(deps: TaskHandlerDeps, unary: UnaryWrapper): TaskCredentialHandlers {
  const { service } = deps;
  const now = (): number => Date.now();
  return {
    IssueTaskCredential: unary('IssueTaskCredential', async (caller, req) => {
      const out = await service.issueTask(caller, issueRequestFromPb(req));
      if (out.kind === 'pending_approval') return { lease: null, credential: null, pending_approval: pendingApprovalToPb(out.approval) };
      return { lease: leaseToPb(out.lease), credential: credentialToPb(out.credential), pending_approval: null };
    }),
    OpenTask: unary('OpenTask', async (caller, req) => ({
      task: taskInfoToPb(await service.tasks.openTask(caller, taskInputFromPb(req.task)), now()),
    })),
    GetTask: unary('GetTask', async (caller, req) => ({
      task: taskInfoToPb(await service.tasks.getTask(caller, req.task_id), now()),
    })),
    DelegateTask: unary('DelegateTask', async (caller, req) => ({
      task: taskInfoToPb(await service.tasks.delegateTask(caller, delegateInputFromPb(req)), now()),
    })),
    // Written out: a waiting call must stop waiting when the caller cancels or its deadline passes.
    GetApproval: (call, callback) => {
      let caller: Workload;
      try {
        caller = deps.identity.workloadOf(call as unknown as ServerSurfaceCall);
      } catch (err) {
        callback(toServiceError(err, deps.log, 'GetApproval'));
        return;
      }
      const gone = new AbortController();
      call.on('cancelled', () => gone.abort());
      const run = async (): Promise<GetApprovalResponse> => {
        const wait = call.request.wait === null ? undefined : fromDuration(call.request.wait, 'wait');
        return { approval: approvalToPb(await service.tasks.getApproval(caller, call.request.approval_id, wait, gone.signal)) };
      };
      run().then(
        (res) => callback(null, res),
        (err: unknown) => callback(toServiceError(err, deps.log, 'GetApproval')),
      );
    },
  };
}

export function taskAdminHandlers(unary: UnaryWrapper, service: WarrantService): TaskAdminHandlers {
  return {
    RevokeTask: unary('RevokeTask', async (caller, req) => {
      const out = await service.tasks.revokeTask(caller, req.task_id, req.reason);
      return { task: taskInfoToPb(out.task, Date.now()), leases: out.leases.map(leaseToPb), revoked_tasks: out.descendants };
    }),
    ListApprovals: unary('ListApprovals', async (caller, req) => {
      const page = await service.tasks.listApprovals(caller, approvalQueryFromPb(req), req.page_size, req.page_token);
      return { approvals: page.approvals.map(approvalToPb), next_page_token: page.cursor };
    }),
    DecideApproval: unary('DecideApproval', async (caller, req) => {
      const decision = req.decision === 'APPROVAL_DECISION_APPROVE' ? 'approved' : req.decision === 'APPROVAL_DECISION_DENY' ? 'denied' : undefined;
      if (decision === undefined) throw new WarrantError('ERR_INVALID_ARGUMENT', 'decision is required: APPROVAL_DECISION_APPROVE or APPROVAL_DECISION_DENY');
      return { approval: approvalToPb(await service.tasks.decideApproval(caller, req.approval_id, decision, req.reason)) };
    }),
  };
}
