// The bench's floor: a bare grpc-js unary server that returns its input, with warrant's TLS setup
// (same certificate, key and authorities; client certificates requested, not required by TLS).
// Usage: node echo-server.mjs CERT KEY CA LISTEN. Prints "port N" once listening; answers the
// line "count" on stdin with "count N" (calls served), so the bench can check h2load's tally.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';

const [certFile, keyFile, caFile, listen = '127.0.0.1:0'] = process.argv.slice(2);
if (certFile === undefined || keyFile === undefined || caFile === undefined) {
  process.stderr.write('usage: node echo-server.mjs CERT KEY CA [LISTEN]\n');
  process.exit(2);
}

/** A static certificate provider, delivering on the next tick as warrant's TlsSource does. */
function staticProvider(ca, cert, key) {
  return {
    addCaCertificateListener: (l) => queueMicrotask(() => l({ caCertificate: ca })),
    removeCaCertificateListener: () => {},
    addIdentityCertificateListener: (l) => queueMicrotask(() => l({ certificate: cert, privateKey: key })),
    removeIdentityCertificateListener: () => {},
  };
}

const passThrough = (b) => b;
const EchoService = {
  Echo: {
    path: '/bench.v1.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
};

let calls = 0;
// The same server options warrant's gRPC server uses.
const server = new grpc.Server({
  'grpc.keepalive_time_ms': 60_000,
  'grpc.keepalive_timeout_ms': 20_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.max_receive_message_length': 1 << 20,
});
server.addService(EchoService, {
  Echo(call, callback) {
    calls++;
    callback(null, call.request);
  },
});

const provider = staticProvider(readFileSync(caFile), readFileSync(certFile), readFileSync(keyFile));
const creds = grpc.experimental.createCertificateProviderServerCredentials(provider, provider, false);
server.bindAsync(listen, creds, (err, port) => {
  if (err) {
    process.stderr.write(`echo-server: cannot listen on ${listen}: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`port ${port}\n`);
});

const stop = () => {
  server.forceShutdown();
  process.exit(0);
};
// stdin closes when the bench goes away, however it ends: the echo server never outlives it.
createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line.trim() === 'count') process.stdout.write(`count ${calls}\n`);
  })
  .on('close', stop);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, stop);
