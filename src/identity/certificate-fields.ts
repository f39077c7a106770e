// Reads from a DER certificate the fields node:crypto's X509Certificate does not expose (key usage
// bits, basic constraints, URI SANs, criticality, validity as numbers) in one bounded pass over the
// bytes. It is only given certificates node:crypto has already parsed, and it rejects anything
// outside the strict DER subset X.509 uses rather than guessing.

/** KeyUsage named bits (RFC 5280 §4.2.1.3) as flags: bit n of the BIT STRING is `1 << n`. */
export const KeyUsageBit = {
  digitalSignature: 1 << 0,
  nonRepudiation: 1 << 1,
  keyEncipherment: 1 << 2,
  dataEncipherment: 1 << 3,
  keyAgreement: 1 << 4,
  keyCertSign: 1 << 5,
  cRLSign: 1 << 6,
  encipherOnly: 1 << 7,
  decipherOnly: 1 << 8,
} as const;

export interface CertificateFields {
  readonly notBefore: number;
  readonly notAfter: number;
  /** DER of the issuer and subject Names, for exact name chaining */
  readonly issuerDer: Uint8Array;
  readonly subjectDer: Uint8Array;
  /** undefined when the extension is absent (which means cA false) */
  readonly basicConstraints: { readonly ca: boolean; readonly pathLen: number | undefined } | undefined;
  /** KeyUsageBit flags; undefined when the extension is absent */
  readonly keyUsage: number | undefined;
  readonly keyUsageCritical: boolean;
  /** every uniformResourceIdentifier in subjectAltName, in order, as written */
  readonly uriSans: readonly string[];
  readonly subjectAltNameCritical: boolean;
  /** true when the subject Name holds no attributes (RFC 5280 §4.1.2.6) */
  readonly subjectEmpty: boolean;
  /** dotted KeyPurposeId OIDs of extKeyUsage; undefined when the extension is absent */
  readonly extKeyUsage: readonly string[] | undefined;
  /** dotted OIDs of critical extensions this reader does not interpret */
  readonly unhandledCritical: readonly string[];
}

export class CertificateFormatError extends Error {
  override readonly name = 'CertificateFormatError';
}

interface Tlv {
  readonly tag: number;
  /** where the element's tag byte is */
  readonly offset: number;
  /** content start and end (exclusive) */
  readonly start: number;
  readonly end: number;
}

const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  explicit0: 0xa0,
  issuerUid: 0x81,
  subjectUid: 0x82,
  explicit3: 0xa3,
  uri: 0x86,
} as const;

function bad(what: string): CertificateFormatError {
  return new CertificateFormatError(`certificate is not valid DER: ${what}`);
}

function readTlv(der: Uint8Array, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) throw bad('truncated element');
  const tag = der[offset]!;
  // X.509 uses no high tag numbers; a multi-byte tag here means the bytes are not what we expect.
  if ((tag & 0x1f) === 0x1f) throw bad('unexpected high tag number');
  const first = der[offset + 1]!;
  let start = offset + 2;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    // 0x80 is BER's indefinite length; more than 4 length bytes cannot fit a certificate.
    if (count === 0 || count > 4) throw bad('unsupported length encoding');
    if (start + count > limit) throw bad('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
    if (length < 0x80 || (count > 1 && der[start] === 0)) throw bad('non-minimal length');
    start += count;
  }
  const end = start + length;
  if (end > limit) throw bad('element overruns its container');
  return { tag, offset, start, end };
}

function expect(tlv: Tlv, tag: number, what: string): Tlv {
  if (tlv.tag !== tag) throw bad(`expected ${what}`);
  return tlv;
}

/** An extension value is exactly one element; bytes after it could hide a second one. */
function whole(tlv: Tlv, end: number): Tlv {
  if (tlv.end !== end) throw bad('trailing data in an extension value');
  return tlv;
}

/** Decodes an OID's content octets as dotted text (only for messages about unknown extensions). */
function oidText(der: Uint8Array, start: number, end: number): string {
  if (end <= start) return '';
  const parts: number[] = [];
  let value = 0;
  for (let i = start; i < end; i++) {
    const byte = der[i]!;
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  const head = parts.shift() ?? 0;
  const top = head < 80 ? Math.floor(head / 40) : 2;
  return [top, head - top * 40, ...parts].join('.');
}

/** id-ce extensions are 2.5.29.n: content octets 55 1d n. */
function idCe(der: Uint8Array, oid: Tlv): number | undefined {
  if (oid.end - oid.start === 3 && der[oid.start] === 0x55 && der[oid.start + 1] === 0x1d) return der[oid.start + 2];
  return undefined;
}

const ID_CE = {
  subjectKeyIdentifier: 14,
  keyUsage: 15,
  subjectAltName: 17,
  basicConstraints: 19,
  authorityKeyIdentifier: 35,
  extKeyUsage: 37,
} as const;
const HANDLED: ReadonlySet<number> = new Set(Object.values(ID_CE));

function digits(der: Uint8Array, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const c = der[i]! - 0x30;
    if (c < 0 || c > 9) throw bad('time has a non-digit');
    value = value * 10 + c;
  }
  return value;
}

/** RFC 5280 §4.1.2.5: UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ, always UTC with seconds. */
function readTime(der: Uint8Array, tlv: Tlv): number {
  let year: number;
  let at: number;
  if (tlv.tag === TAG.utcTime && tlv.end - tlv.start === 13) {
    const yy = digits(der, tlv.start, 2);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    at = tlv.start + 2;
  } else if (tlv.tag === TAG.generalizedTime && tlv.end - tlv.start === 15) {
    year = digits(der, tlv.start, 4);
    at = tlv.start + 4;
  } else {
    throw bad('validity time is not UTCTime or GeneralizedTime in UTC');
  }
  if (der[tlv.end - 1] !== 0x5a) throw bad('validity time is not in UTC ("Z")');
  const month = digits(der, at, 2);
  const day = digits(der, at + 2, 2);
  const hour = digits(der, at + 4, 2);
  const minute = digits(der, at + 6, 2);
  const second = digits(der, at + 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    throw bad('validity time out of range');
  }
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function readBasicConstraints(der: Uint8Array, start: number, end: number): CertificateFields['basicConstraints'] {
  const seq = whole(expect(readTlv(der, start, end), TAG.sequence, 'BasicConstraints SEQUENCE'), end);
  let ca = false;
  let pathLen: number | undefined;
  let at = seq.start;
  if (at < seq.end) {
    const item = readTlv(der, at, seq.end);
    if (item.tag === TAG.boolean) {
      if (item.end - item.start !== 1) throw bad('BOOLEAN of wrong length');
      ca = der[item.start] !== 0;
      at = item.end;
    }
  }
  if (at < seq.end) {
    const item = expect(readTlv(der, at, seq.end), TAG.integer, 'pathLenConstraint INTEGER');
    const size = item.end - item.start;
    if (size < 1 || size > 4 || (der[item.start]! & 0x80) !== 0) throw bad('pathLenConstraint out of range');
    pathLen = 0;
    for (let i = item.start; i < item.end; i++) pathLen = pathLen * 256 + der[i]!;
    at = item.end;
  }
  if (at !== seq.end) throw bad('trailing data in BasicConstraints');
  return { ca, pathLen };
}

function readKeyUsage(der: Uint8Array, start: number, end: number): number {
  const bits = whole(expect(readTlv(der, start, end), TAG.bitString, 'KeyUsage BIT STRING'), end);
  const size = bits.end - bits.start;
  if (size < 1 || size > 3 || der[bits.start]! > 7) throw bad('KeyUsage of wrong length');
  let flags = 0;
  for (let byte = 1; byte < size; byte++) {
    const value = der[bits.start + byte]!;
    for (let bit = 0; bit < 8; bit++) {
      if ((value & (0x80 >> bit)) !== 0) flags |= 1 << ((byte - 1) * 8 + bit);
    }
  }
  return flags;
}

function readExtKeyUsage(der: Uint8Array, start: number, end: number): string[] {
  const list = whole(expect(readTlv(der, start, end), TAG.sequence, 'ExtKeyUsageSyntax SEQUENCE'), end);
  const purposes: string[] = [];
  for (let at = list.start; at < list.end; ) {
    const oid = expect(readTlv(der, at, list.end), TAG.oid, 'KeyPurposeId');
    purposes.push(oidText(der, oid.start, oid.end));
    at = oid.end;
  }
  if (purposes.length === 0) throw bad('ExtKeyUsageSyntax is empty');
  return purposes;
}

function readUriSans(der: Uint8Array, start: number, end: number): string[] {
  const names = whole(expect(readTlv(der, start, end), TAG.sequence, 'GeneralNames SEQUENCE'), end);
  const uris: string[] = [];
  for (let at = names.start; at < names.end; ) {
    const name = readTlv(der, at, names.end);
    // Other name forms (DNS, IP, otherName, …) are allowed in an SVID and skipped whole.
    if (name.tag === TAG.uri) {
      uris.push(Buffer.from(der.buffer, der.byteOffset + name.start, name.end - name.start).toString('latin1'));
    }
    at = name.end;
  }
  return uris;
}

/** Reads the fields above from one DER certificate; throws CertificateFormatError on anything unexpected. */
export function readCertificateFields(der: Uint8Array): CertificateFields {
  const cert = expect(readTlv(der, 0, der.length), TAG.sequence, 'Certificate SEQUENCE');
  if (cert.end !== der.length) throw bad('trailing data after the certificate');
  const tbs = expect(readTlv(der, cert.start, cert.end), TAG.sequence, 'TBSCertificate SEQUENCE');

  const next = (after: Tlv | undefined): Tlv => readTlv(der, after ? after.end : tbs.start, tbs.end);
  let item = next(undefined);
  if (item.tag === TAG.explicit0) item = next(item); // version
  const serial = expect(item, TAG.integer, 'serialNumber');
  const signature = expect(next(serial), TAG.sequence, 'signature AlgorithmIdentifier');
  const issuer = expect(next(signature), TAG.sequence, 'issuer Name');
  const validity = expect(next(issuer), TAG.sequence, 'Validity');
  const notBeforeTlv = readTlv(der, validity.start, validity.end);
  const notAfterTlv = readTlv(der, notBeforeTlv.end, validity.end);
  if (notAfterTlv.end !== validity.end) throw bad('trailing data in Validity');
  const subject = expect(next(validity), TAG.sequence, 'subject Name');
  const spki = expect(next(subject), TAG.sequence, 'SubjectPublicKeyInfo');
  let at = spki.end;

  let basicConstraints: CertificateFields['basicConstraints'];
  let keyUsage: number | undefined;
  let keyUsageCritical = false;
  let uriSans: string[] = [];
  let subjectAltNameCritical = false;
  let extKeyUsage: string[] | undefined;
  const unhandledCritical: string[] = [];
  const seen = new Set<string>();

  while (at < tbs.end) {
    const part = readTlv(der, at, tbs.end);
    at = part.end;
    if (part.tag === TAG.issuerUid || part.tag === TAG.subjectUid) continue;
    expect(part, TAG.explicit3, 'extensions');
    if (at !== tbs.end) throw bad('data after the extensions');
    const list = expect(readTlv(der, part.start, part.end), TAG.sequence, 'Extensions SEQUENCE');
    if (list.end !== part.end) throw bad('trailing data after Extensions');
    for (let e = list.start; e < list.end; ) {
      const ext = expect(readTlv(der, e, list.end), TAG.sequence, 'Extension SEQUENCE');
      e = ext.end;
      const oid = expect(readTlv(der, ext.start, ext.end), TAG.oid, 'extnID');
      let field = readTlv(der, oid.end, ext.end);
      let critical = false;
      if (field.tag === TAG.boolean) {
        if (field.end - field.start !== 1) throw bad('BOOLEAN of wrong length');
        critical = der[field.start] !== 0;
        field = readTlv(der, field.end, ext.end);
      }
      const value = expect(field, TAG.octetString, 'extnValue');
      if (value.end !== ext.end) throw bad('trailing data in Extension');
      const oidKey = oidText(der, oid.start, oid.end);
      // RFC 5280 §4.2: one instance per extension; a second SAN could otherwise smuggle a second ID.
      if (seen.has(oidKey)) throw bad(`extension ${oidKey} appears twice`);
      seen.add(oidKey);
      const ce = idCe(der, oid);
      if (ce === ID_CE.basicConstraints) basicConstraints = readBasicConstraints(der, value.start, value.end);
      else if (ce === ID_CE.keyUsage) {
        keyUsage = readKeyUsage(der, value.start, value.end);
        keyUsageCritical = critical;
      } else if (ce === ID_CE.subjectAltName) {
        uriSans = readUriSans(der, value.start, value.end);
        subjectAltNameCritical = critical;
      } else if (ce === ID_CE.extKeyUsage) extKeyUsage = readExtKeyUsage(der, value.start, value.end);
      if (critical && (ce === undefined || !HANDLED.has(ce))) unhandledCritical.push(oidKey);
    }
  }

  return {
    notBefore: readTime(der, notBeforeTlv),
    notAfter: readTime(der, notAfterTlv),
    issuerDer: der.subarray(issuer.offset, issuer.end),
    subjectDer: der.subarray(subject.offset, subject.end),
    basicConstraints,
    keyUsage,
    keyUsageCritical,
    uriSans,
    subjectAltNameCritical,
    subjectEmpty: subject.end === subject.start,
    extKeyUsage,
    unhandledCritical,
  };
}
