// Where the SPIFFE Workload Endpoint listens (SPIFFE Workload Endpoint §4): `unix:///absolute/path`
// or `tcp://<IP>:<port>`, nothing else. Parsed by hand: a URL parser would accept (and quietly
// drop) the components the standard forbids.
import { isIP } from 'node:net';
import { IdentityError, quoteInput } from './identity-error.js';

export class WorkloadApiAddressError extends IdentityError<'address'> {
  override readonly name = 'WorkloadApiAddressError';
}

/** The environment variable SPIFFE Workload Endpoint §4 names. */
export const SPIFFE_ENDPOINT_SOCKET = 'SPIFFE_ENDPOINT_SOCKET';

function fail(address: string, why: string): WorkloadApiAddressError {
  return new WorkloadApiAddressError(
    'address',
    `invalid SPIFFE Workload API address ${quoteInput(address)}: ${why}; use unix:///path/to/socket or tcp://<IP>:<port> (SPIFFE Workload Endpoint §4)`,
  );
}

/** Turns a Workload Endpoint address into a grpc-js target. Throws WorkloadApiAddressError. */
export function workloadApiTarget(address: string): string {
  if (typeof address !== 'string' || address === '') throw fail(String(address), 'it is empty');
  if (/[?#]/.test(address)) throw fail(address, 'a query or fragment is not allowed');
  if (address.startsWith('unix:')) {
    const rest = address.slice('unix:'.length);
    if (!rest.startsWith('//')) throw fail(address, 'a unix address is unix:// followed by an absolute path');
    const afterSlashes = rest.slice(2);
    // unix:///path has an empty authority; unix://host/path names a host, which the standard forbids.
    if (!afterSlashes.startsWith('/')) throw fail(address, 'a unix address must not have an authority (host)');
    if (afterSlashes.length < 2) throw fail(address, 'the socket path is missing');
    return `unix://${afterSlashes}`;
  }
  if (address.startsWith('tcp://')) {
    const authority = address.slice('tcp://'.length);
    if (authority.includes('/')) throw fail(address, 'a tcp address has no path');
    if (authority.includes('@')) throw fail(address, 'a tcp address has no user info');
    const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(authority);
    if (match === null) throw fail(address, 'a tcp address is tcp://<IP>:<port>');
    const host = match[1]!.replace(/^\[|\]$/g, '');
    const port = Number(match[2]);
    if (isIP(host) === 0) throw fail(address, 'the host must be an IP address, not a name');
    if (port < 1 || port > 65535) throw fail(address, 'the port must be 1-65535');
    return isIP(host) === 6 ? `ipv6:[${host}]:${port}` : `ipv4:${host}:${port}`;
  }
  throw fail(address, 'the scheme must be unix or tcp');
}
