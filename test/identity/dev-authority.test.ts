import { createPrivateKey, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { inspect } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { KeyUsageBit, readCertificateFields } from '../../src/identity/certificate-fields.js';
import {
  DevAuthority,
  DevAuthorityError,
  SpiffeIdError,
  TrustBundleSet,
  verifyX509Svid,
  type Workload,
} from '../../src/identity/index.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const T = Math.floor(Date.now() / 1000) * 1000;

let ca: DevAuthority;

beforeAll(async () => {
  ca = await DevAuthority.create('dev.example', { now: T });
});

function fieldsOf(pem: string) {
  return readCertificateFields(new X509Certificate(pem).raw);
}

describe('DevAuthority.create', () => {
  it('makes a self-signed CA that is its trust domain SVID', () => {
    const cert = new X509Certificate(ca.certPem);
    expect(cert.subject).toBe('O=warrant dev\nCN=dev.example authority');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.ca).toBe(true);
    expect(cert.subjectAltName).toBe('URI:spiffe://dev.example');
    expect(cert.verify(cert.publicKey)).toBe(true);
    const fields = fieldsOf(ca.certPem);
    expect(fields.keyUsage).toBe(KeyUsageBit.keyCertSign | KeyUsageBit.cRLSign);
    expect(fields.keyUsageCritical).toBe(true);
    expect(fields.notBefore).toBe(T - 60_000);
    expect(fields.notAfter).toBe(T + 365 * DAY);
    expect(ca.notAfter).toBe(T + 365 * DAY);
    expect(ca.trustDomain).toBe('dev.example');
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(cert.checkPrivateKey(createPrivateKey(ca.keyPem))).toBe(true);
  });

  it('rejects an invalid trust domain', async () => {
    await expect(DevAuthority.create('Dev.example')).rejects.toThrow(SpiffeIdError);
  });

  it('keeps its private key out of console output', () => {
    const shown = inspect(ca);
    expect(shown).not.toContain('PRIVATE KEY');
    expect(shown).toBe(`DevAuthority { trustDomain: 'dev.example', notAfter: ${new Date(ca.notAfter).toISOString()}, key: [hidden] }`);
  });

  it('keeps its private key out of JSON', () => {
    const json = JSON.stringify(ca);
    expect(json).not.toContain('PRIVATE KEY');
    expect(JSON.parse(json)).toEqual({ trustDomain: 'dev.example', certPem: ca.certPem, notAfter: ca.notAfter });
  });
});

describe('DevAuthority.issueX509Svid', () => {
  it('issues an SVID that meets the X509-SVID rules by default', async () => {
    const svid = await ca.issueX509Svid('spiffe://dev.example/agent', { notBefore: T });
    const cert = new X509Certificate(svid.certPem);
    expect(svid.spiffeId).toBe('spiffe://dev.example/agent');
    expect(svid.chainPem).toBe(svid.certPem);
    expect(svid.notAfter).toBe(T + DAY);
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe('URI:spiffe://dev.example/agent');
    // node names extended key usage `keyUsage`
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(cert.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    const fields = fieldsOf(svid.certPem);
    expect(fields.keyUsage).toBe(KeyUsageBit.digitalSignature);
    expect(fields.keyUsageCritical).toBe(true);
    expect(fields.basicConstraints).toEqual({ ca: false, pathLen: undefined });
    expect(fields.notBefore).toBe(T);
    expect(svid.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(cert.checkPrivateKey(createPrivateKey(svid.keyPem))).toBe(true);
  });

  it('adds DNS and IP SANs and can drop either extended key usage', async () => {
    const svid = await ca.issueX509Svid('spiffe://dev.example/server', {
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      clientAuth: false,
    });
    const cert = new X509Certificate(svid.certPem);
    expect(cert.subjectAltName).toBe('URI:spiffe://dev.example/server, DNS:localhost, IP Address:127.0.0.1');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('never issues past its own expiry', async () => {
    const svid = await ca.issueX509Svid('spiffe://dev.example/long', { notBefore: T, ttlMs: 400 * DAY });
    expect(svid.notAfter).toBe(ca.notAfter);
  });

  it('rejects a validity that ends before it starts', async () => {
    await expect(ca.issueX509Svid('spiffe://dev.example/x', { ttlMs: -1 })).rejects.toThrow(
      new DevAuthorityError('options', 'ttlMs must be a positive number of milliseconds'),
    );
    await expect(ca.issueX509Svid('spiffe://dev.example/x', { notBefore: ca.notAfter + HOUR })).rejects.toThrow(
      'the requested validity ends before it starts (the authority may have expired)',
    );
  });
});

describe('DevAuthority.issueIntermediate and load', () => {
  it('chains SVIDs through an intermediate, which reloads from PEM', async () => {
    const intermediate = await ca.issueIntermediate();
    expect(intermediate.trustDomain).toBe('dev.example');
    const fields = fieldsOf(intermediate.certPem);
    expect(fields.basicConstraints).toEqual({ ca: true, pathLen: undefined });
    expect(fields.uriSans).toEqual(['spiffe://dev.example']);

    const reloaded = await DevAuthority.load(intermediate.certPem + ca.certPem, intermediate.keyPem);
    expect(reloaded.trustDomain).toBe('dev.example');
    expect(reloaded.certPem).toBe(intermediate.certPem);
    const svid = await reloaded.issueX509Svid('spiffe://dev.example/through');
    expect(svid.chainPem).toBe(svid.certPem + intermediate.certPem);
    const bundles = TrustBundleSet.fromPem([{ trustDomain: 'dev.example', pem: ca.certPem }]);
    const chain = svid.chainPem.split(/(?<=-----END CERTIFICATE-----\n)/).map((pem) => new X509Certificate(pem));
    expect(verifyX509Svid(chain, bundles, Date.now()).spiffeId).toBe('spiffe://dev.example/through');
  });

  it('reloads a root', async () => {
    const root = await DevAuthority.load(ca.certPem, ca.keyPem);
    expect(root.trustDomain).toBe('dev.example');
    expect(root.keyPem).toBe(ca.keyPem);
    const svid = await root.issueX509Svid('spiffe://dev.example/again');
    expect(svid.chainPem).toBe(svid.certPem);
  });

  it('refuses a key that does not match the certificate', async () => {
    const other = await DevAuthority.create('dev.example');
    await expect(DevAuthority.load(ca.certPem, other.keyPem)).rejects.toThrow(
      new DevAuthorityError('authority-key', 'the authority key does not belong to the authority certificate'),
    );
  });

  it('refuses an unreadable key without quoting it', async () => {
    const broken = ca.keyPem.replace(/[A-Za-z]{8}/, 'AAAAAAAA');
    const err = await DevAuthority.load(ca.certPem, broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DevAuthorityError);
    expect((err as DevAuthorityError).rule).toBe('authority-key');
    expect((err as Error).message).toBe('the authority key is not a readable PEM private key');
  });

  it('refuses a leaf certificate as an authority', async () => {
    const svid = await ca.issueX509Svid('spiffe://dev.example/leaf');
    await expect(DevAuthority.load(svid.certPem, svid.keyPem)).rejects.toThrow(
      new DevAuthorityError('authority-certificate', 'the authority certificate is not a CA that may sign certificates'),
    );
  });
});

describe('DevAuthority certificates over node TLS', () => {
  it('complete an mTLS handshake, and the server verifies the client SVID', async () => {
    const serverSvid = await ca.issueX509Svid('spiffe://dev.example/warrant', { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const intermediate = await ca.issueIntermediate();
    const clientSvid = await intermediate.issueX509Svid('spiffe://dev.example/agent/tls');
    const bundles = TrustBundleSet.fromPem([{ trustDomain: 'dev.example', pem: ca.certPem }]);

    const seen: Workload[] = [];
    const failures: unknown[] = [];
    const server = tls.createServer(
      {
        cert: serverSvid.chainPem,
        key: serverSvid.keyPem,
        ca: bundles.allAuthoritiesPem(),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (socket) => {
        // Read the detailed chain first: after getPeerX509Certificate(), node 20 leaves issuerCertificate unset.
        const presented = socket.getPeerCertificate(true);
        const leaf = socket.getPeerX509Certificate();
        const intermediates: Buffer[] = [];
        for (let c = presented.issuerCertificate; c && c !== c.issuerCertificate; c = c.issuerCertificate) intermediates.push(c.raw);
        try {
          if (leaf) seen.push(verifyX509Svid([leaf, ...intermediates], bundles, Date.now()));
        } catch (err) {
          failures.push(err);
        }
        socket.end('ok');
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const client = tls.connect({
        host: '127.0.0.1',
        port,
        cert: clientSvid.chainPem,
        key: clientSvid.keyPem,
        ca: ca.certPem,
        servername: 'localhost',
      });
      const chunks: Buffer[] = [];
      client.on('data', (chunk: Buffer) => chunks.push(chunk));
      await once(client, 'end');
      client.destroy();
      expect(Buffer.concat(chunks).toString()).toBe('ok');
      expect(failures).toEqual([]);
      expect(seen.map((w) => w.spiffeId)).toEqual(['spiffe://dev.example/agent/tls']);
    } finally {
      server.close();
      await once(server, 'close');
    }
  });
});
