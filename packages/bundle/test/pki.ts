/**
 * Test PKI: roots, intermediates and leaves for Ed25519 and ECDSA P-256, generated with
 * @peculiar/x509 over Node's WebCrypto (no hand-rolled ASN.1, no committed certificates).
 */
import 'reflect-metadata';
import { KeyObject, webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type Alg = 'ed25519' | 'ecdsa-p256';

const ALGORITHMS = {
  ed25519: { name: 'Ed25519' },
  'ecdsa-p256': { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' },
} as const;

export interface Issued {
  cert: x509.X509Certificate;
  pem: string;
  keys: CryptoKeyPair;
  /** PKCS#8 PEM of the private key, for signBundle. */
  privateKeyPem: string;
}

const DAY = 24 * 60 * 60 * 1000;
let serial = 1;

export interface IssueOptions {
  alg?: Alg;
  subject: string;
  /** Omit for a self-signed root. */
  issuer?: Issued;
  ca?: boolean;
  /** Extended key usages; omit for none. */
  eku?: string[];
  notBefore?: Date;
  notAfter?: Date;
}

export async function issue(options: IssueOptions): Promise<Issued> {
  const alg = ALGORITHMS[options.alg ?? 'ecdsa-p256'];
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(options.ca ?? false, undefined, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (options.ca)
    extensions.push(
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    );
  else extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true));
  if (options.eku) extensions.push(new x509.ExtendedKeyUsageExtension(options.eku, false));
  if (options.issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(options.issuer.cert));

  const common = {
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    notBefore: options.notBefore ?? new Date(Date.now() - DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 365 * DAY),
    extensions,
  };
  const issuerAlg = ALGORITHMS[options.issuer ? algOf(options.issuer) : (options.alg ?? 'ecdsa-p256')];
  const cert = options.issuer
    ? await x509.X509CertificateGenerator.create({
        ...common,
        subject: options.subject,
        issuer: options.issuer.cert.subject,
        publicKey: keys.publicKey,
        signingKey: options.issuer.keys.privateKey,
        signingAlgorithm: issuerAlg,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({
        ...common,
        name: options.subject,
        keys,
        signingAlgorithm: issuerAlg,
      });
  const privateKeyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }) as string;
  return { cert, pem: cert.toString('pem'), keys, privateKeyPem };
}

function algOf(issued: Issued): Alg {
  return issued.keys.privateKey.algorithm.name === 'Ed25519' ? 'ed25519' : 'ecdsa-p256';
}

export const EKU = {
  codeSigning: x509.ExtendedKeyUsage.codeSigning as string,
  serverAuth: x509.ExtendedKeyUsage.serverAuth as string,
};

export { DAY };
