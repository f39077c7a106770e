import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CertificateFormatError, KeyUsageBit, readCertificateFields } from '../../src/identity/certificate-fields.js';
import { DevAuthority } from '../../src/identity/index.js';

let leafDer: Uint8Array;
let intermediateDer: Uint8Array;

beforeAll(async () => {
  const ca = await DevAuthority.create('fields.example');
  const intermediate = await ca.issueIntermediate({ pathLenConstraint: 2 });
  intermediateDer = new X509Certificate(intermediate.certPem).raw;
  leafDer = new X509Certificate((await intermediate.issueX509Svid('spiffe://fields.example/w', { keyUsage: ['digitalSignature', 'keyAgreement'] })).certPem).raw;
});

function outcome(der: Uint8Array): 'read' | 'rejected' {
  try {
    readCertificateFields(der);
    return 'read';
  } catch (err) {
    if (err instanceof CertificateFormatError) return 'rejected';
    throw err;
  }
}

describe('readCertificateFields', () => {
  it('reads what node:crypto does not expose', () => {
    const leaf = readCertificateFields(leafDer);
    expect(leaf.keyUsage).toBe(KeyUsageBit.digitalSignature | KeyUsageBit.keyAgreement);
    expect(leaf.basicConstraints).toEqual({ ca: false, pathLen: undefined });
    expect(leaf.uriSans).toEqual(['spiffe://fields.example/w']);
    expect(leaf.unhandledCritical).toEqual([]);
    const node = new X509Certificate(leafDer);
    expect(leaf.notBefore).toBe(Date.parse(node.validFrom));
    expect(leaf.notAfter).toBe(Date.parse(node.validTo));

    const intermediate = readCertificateFields(intermediateDer);
    expect(intermediate.basicConstraints).toEqual({ ca: true, pathLen: 2 });
    expect(intermediate.keyUsage).toBe(KeyUsageBit.keyCertSign | KeyUsageBit.cRLSign);
    expect(Buffer.from(leaf.issuerDer).equals(Buffer.from(intermediate.subjectDer))).toBe(true);
  });

  it('rejects every truncation of a certificate', () => {
    for (let length = 0; length < leafDer.length; length++) {
      expect(outcome(leafDer.subarray(0, length)), `length ${length}`).toBe('rejected');
    }
  });

  it('throws nothing but CertificateFormatError for mutated certificates', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const mutated = Uint8Array.from(leafDer);
        mutated[at % mutated.length] = value;
        outcome(mutated);
      }),
      { numRuns: 3000 },
    );
  });

  it('throws nothing but CertificateFormatError for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        outcome(bytes);
      }),
      { numRuns: 3000 },
    );
  });
});
