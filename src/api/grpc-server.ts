import * as grpc from '@grpc/grpc-js';
import { experimental } from '@grpc/grpc-js';
import type { ServerSurfaceCall } from '@grpc/grpc-js/build/src/server-call.js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import { WarrantError } from '../core/index.js';
import type { AdminServiceHandlers } from '../gen/warrant/v1/AdminService.js';
import type { CredentialServiceHandlers } from '../gen/warrant/v1/CredentialService.js';
import type { Workload } from '../identity/index.js';
import type { WarrantService } from '../service/index.js';
import { credentialToPb, eventToPb, fromDuration, leaseToPb, revokeProgressToPb, selectorFromPb, timestamp, triggerFromPb, waitFromPb } from './convert.js';
import { toServiceError } from './errors.js';
import { loadWarrantProto } from './proto.js';
import type { PeerIdentity } from './peer-identity.js';
import { encodeIssueResponse, encodeRenewResponse } from './reply-encoding.js';
import { taskAdminHandlers, taskCredentialHandlers, type UnaryWrapper } from './task-handlers.js';
import type { TlsSource } from './tls-source.js';

export interface GrpcServerDeps {
  readonly service: WarrantService;
  readonly identity: PeerIdentity;
  readonly tls: TlsSource;
  readonly log: Logger;
}

export interface RunningGrpcServer {
  readonly server: grpc.Server;
  readonly port: number;
  readonly health: HealthImplementation;
  close(graceMs?: number): Promise<void>;
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

/** One wrapper for every unary handler: authenticate, run, answer exactly once, map errors once. */
function unary<Req, Res>(
  deps: GrpcServerDeps,
  method: string,
  fn: (caller: Workload, request: Req) => Promise<Res>,
): Unary<Req, Res> {
  return (call, callback) => {
    let caller: Workload;
    try {
      caller = deps.identity.workloadOf(call as unknown as ServerSurfaceCall);
    } catch (err) {
      callback(toServiceError(err, deps.log, method));
      return;
    }
    fn(caller, call.request).then(
      (res) => callback(null, res),
      (err: unknown) => callback(toServiceError(err, deps.log, method)),
    );
  };
}

function credentialHandlers(deps: GrpcServerDeps): CredentialServiceHandlers {
  const { service } = deps;
  const wrap: UnaryWrapper = (method, fn) => unary(deps, method, fn);
  return {
    // IssueTaskCredential, OpenTask, GetTask, DelegateTask, GetApproval.
    ...taskCredentialHandlers(deps, wrap),
    RenewLease: unary(deps, 'RenewLease', async (caller, req) => {
      const out = await service.renew(caller, req.lease_id, fromDuration(req.increment, 'increment'));
      return { lease: leaseToPb(out.lease), credential: credentialToPb(out.credential) };
    }),
    RevokeLease: unary(deps, 'RevokeLease', async (caller, req) => ({
      lease: leaseToPb(await service.revokeLease(caller, req.lease_id, req.reason)),
    })),
    CompleteTask: unary(deps, 'CompleteTask', async (caller, req) => ({
      leases: (await service.completeTask(caller, req.task_id)).map(leaseToPb),
    })),
    WatchLeases: (call) => {
      try {
        const caller = deps.identity.workloadOf(call as unknown as ServerSurfaceCall);
        const unsubscribe = service.watch(caller, call.request.task_id, call.request.lease_ids, (event) => {
          call.write(eventToPb(event));
        });
        const end = () => unsubscribe();
        call.on('cancelled', end);
        call.on('close', end);
        call.on('error', end);
      } catch (err) {
        call.emit('error', toServiceError(err, deps.log, 'WatchLeases'));
      }
    },
  };
}

function adminHandlers(deps: GrpcServerDeps): AdminServiceHandlers {
  const { service } = deps;
  return {
    // RevokeTask, ListApprovals, DecideApproval.
    ...taskAdminHandlers((method, fn) => unary(deps, method, fn), service),
    GetLease: unary(deps, 'GetLease', async (caller, req) => ({ lease: leaseToPb(await service.getLease(caller, req.lease_id)) })),
    ListLeases: unary(deps, 'ListLeases', async (caller, req) => {
      const page = await service.listLeases(caller, selectorFromPb(req.selector), req.page_size, req.page_token);
      return { leases: page.leases.map(leaseToPb), next_page_token: page.cursor };
    }),
    RotateProviderCredential: unary(deps, 'RotateProviderCredential', async (caller, req) => {
      const r = await service.rotateProviderCredential(caller, req.provider);
      return { provider: r.provider, rotated_at: timestamp(r.rotatedAt), stored_in: r.storedIn };
    }),
    RevokeMatching: (call) => {
      const run = async () => {
        const caller = deps.identity.workloadOf(call as unknown as ServerSurfaceCall);
        let cancelled = false;
        const gone = new AbortController();
        call.on('cancelled', () => {
          cancelled = true;
          gone.abort();
        });
        const trigger = triggerFromPb(call.request.trigger);
        const confirmTimeoutMs = waitFromPb(call.request.confirm_timeout, 'confirm_timeout');
        const summary = await service.revokeMatching(
          caller,
          selectorFromPb(call.request.selector),
          call.request.reason,
          {
            dryRun: call.request.dry_run,
            signal: gone.signal,
            ...(trigger === undefined ? {} : { trigger }),
            ...(confirmTimeoutMs === undefined ? {} : { confirmTimeoutMs }),
          },
          (p) => {
            if (!cancelled) call.write(revokeProgressToPb(p));
          },
        );
        if (!cancelled) {
          call.write(revokeProgressToPb(summary));
          call.end();
        }
      };
      run().catch((err: unknown) => call.emit('error', toServiceError(err, deps.log, 'RevokeMatching')));
    },
  };
}

export async function startGrpcServer(deps: GrpcServerDeps, listen: string): Promise<RunningGrpcServer> {
  const { definition, warrant } = loadWarrantProto();
  const server = new grpc.Server({
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_receive_message_length': 1 << 20,
  });
  const credentialService = warrant.CredentialService.service;
  server.addService(
    {
      ...credentialService,
      // The replies of every issue and renewal are encoded without proto-loader's copy (reply-encoding.ts).
      IssueTaskCredential: { ...credentialService.IssueTaskCredential, responseSerialize: encodeIssueResponse },
      RenewLease: { ...credentialService.RenewLease, responseSerialize: encodeRenewResponse },
    },
    credentialHandlers(deps),
  );
  server.addService(warrant.AdminService.service, adminHandlers(deps));
  const health = new HealthImplementation({
    '': 'SERVING',
    'warrant.v1.CredentialService': 'SERVING',
    'warrant.v1.AdminService': 'SERVING',
  });
  health.addToServer(server);
  new ReflectionService(definition).addToServer(server);

  // Client certificates are requested but not required by TLS itself: a missing or foreign
  // certificate then reaches the handler and gets UNAUTHENTICATED with a reason, not a reset.
  const creds = experimental.createCertificateProviderServerCredentials(deps.tls, deps.tls, false);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(listen, creds, (err, p) => (err ? reject(new WarrantError('ERR_CONFIG', `cannot listen on ${listen}: ${err.message}`)) : resolve(p)));
  });
  return {
    server,
    port,
    health,
    close: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        health.setStatus('', 'NOT_SERVING');
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
