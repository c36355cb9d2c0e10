import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BundleError,
  contentHashOfBytes,
  generateSigningKeyPair,
  loadTrustBundle,
  parseSignatureDocument,
  parseTrustBundle,
  readTrustBundlePem,
  signBundle,
  signaturePolicy,
  signingMessage,
  splitPemBlocks,
  verifySignature,
  type SignatureDocument,
} from '@annex/bundle';
import { DAY, EKU, issue, type Alg } from './pki.js';
import { tempDirPath as tempDir } from '@annex/test-support';

const hash = contentHashOfBytes(Buffer.from('bundle bytes'));
const otherHash = contentHashOfBytes(Buffer.from('tampered bundle bytes'));
const algs: Alg[] = ['ed25519', 'ecdsa-p256'];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!(err instanceof BundleError)) throw err;
    return err.code;
  }
}

t.test('the signed message is domain-separated', async (t) => {
  t.equal(signingMessage(hash).toString('utf8'), `annex-bundle-v1\n${hash}`);
  t.equal(
    signingMessage(hash.slice(7).toUpperCase()).toString('utf8'),
    `annex-bundle-v1\n${hash}`,
    'bare hex is normalized',
  );
});

for (const alg of algs) {
  t.test(`raw ${alg} keys`, async (t) => {
    const pair = generateSigningKeyPair(alg);
    t.match(pair.keyId, /^[0-9a-f]{64}$/);
    const doc = signBundle(hash, pair.privateKeyPem);
    t.match(doc, { v: 1, alg, keyId: pair.keyId, publicKey: /BEGIN PUBLIC KEY/ });
    t.notOk(doc.certChain);
    t.same(parseSignatureDocument(JSON.stringify(doc)), doc, 'round-trips through JSON');

    t.same(verifySignature(doc, hash), {
      status: 'unverified',
      alg,
      keyId: pair.keyId,
      signer: `key:${pair.keyId}`,
    });
    t.equal(
      verifySignature(doc, hash, pair.publicKeyPem).status,
      'verified',
      'trusted when the key is in the bundle',
    );

    const stranger = generateSigningKeyPair(alg);
    t.equal(
      codeOf(() => verifySignature(doc, hash, stranger.publicKeyPem)),
      'SIGNER_UNTRUSTED',
      'valid but not trusted',
    );

    t.equal(
      codeOf(() => verifySignature(doc, otherHash)),
      'SIGNATURE_INVALID',
      'tampered bundle (hash differs)',
    );
    t.equal(
      codeOf(() => verifySignature(doc, otherHash, pair.publicKeyPem)),
      'SIGNATURE_INVALID',
      'invalid even when the key is trusted',
    );

    const wrongKey = { ...doc, publicKey: stranger.publicKeyPem, keyId: stranger.keyId };
    t.equal(
      codeOf(() => verifySignature(wrongKey, hash)),
      'SIGNATURE_INVALID',
      'signature by another key',
    );

    const mismatchedId = { ...doc, keyId: stranger.keyId };
    t.equal(
      codeOf(() => verifySignature(mismatchedId, hash)),
      'SIGNATURE_INVALID',
      'keyId not matching the key',
    );
    t.throws(() => verifySignature(mismatchedId, hash), /keyId/);

    const forOtherHash = signBundle(otherHash, pair.privateKeyPem);
    t.equal(
      codeOf(() => verifySignature(forOtherHash, hash)),
      'SIGNATURE_INVALID',
      'a signature for another hash',
    );

    const otherAlg = { ...doc, alg: alg === 'ed25519' ? 'ecdsa-p256' : 'ed25519' };
    t.equal(
      codeOf(() => verifySignature(otherAlg, hash)),
      'SIGNATURE_INVALID',
      'alg not matching the key',
    );

    const flipped = Buffer.from(doc.sig, 'base64');
    flipped[10] = (flipped[10] as number) ^ 1;
    t.equal(
      codeOf(() => verifySignature({ ...doc, sig: flipped.toString('base64') }, hash)),
      'SIGNATURE_INVALID',
    );
  });

  t.test(`certificate chains (${alg})`, async (t) => {
    const root = await issue({ alg, subject: 'CN=Annex Test Root', ca: true });
    const intermediate = await issue({ alg, subject: 'CN=Annex Test Intermediate', issuer: root, ca: true });
    const leaf = await issue({
      alg,
      subject: 'CN=Acme Signing,O=Acme',
      issuer: intermediate,
      eku: [EKU.codeSigning],
    });

    const doc = signBundle(hash, leaf.privateKeyPem, { certChain: [leaf.pem, intermediate.pem] });
    t.equal(doc.certChain?.length, 2);
    t.notOk(doc.publicKey);
    const verified = verifySignature(doc, hash, root.pem);
    t.equal(verified.status, 'verified', 'chains to the root in the trust bundle');
    t.match(verified.signer, /CN=Acme Signing/);
    t.match(verified.signer, /O=Acme/);
    t.equal(verifySignature(doc, hash).status, 'unverified', 'no trust bundle: valid but unverified');
    t.equal(
      verifySignature(doc, hash, intermediate.pem).status,
      'verified',
      'an intermediate can be the anchor',
    );

    const withRoot = signBundle(hash, leaf.privateKeyPem, {
      certChain: `${leaf.pem}${intermediate.pem}${root.pem}`,
    });
    t.equal(withRoot.certChain?.length, 3, 'one PEM text with several blocks is split');
    t.equal(verifySignature(withRoot, hash, root.pem).status, 'verified', 'the root may also be included');

    const leafOnly = signBundle(hash, leaf.privateKeyPem, { certChain: [leaf.pem] });
    t.equal(
      codeOf(() => verifySignature(leafOnly, hash, root.pem)),
      'SIGNER_UNTRUSTED',
      'missing intermediate',
    );

    const otherRoot = await issue({ alg, subject: 'CN=Someone Else Root', ca: true });
    t.equal(
      codeOf(() => verifySignature(doc, hash, otherRoot.pem)),
      'SIGNER_UNTRUSTED',
      'chain to an untrusted root',
    );
    t.throws(
      () => verifySignature(doc, hash, otherRoot.pem),
      /not trusted: the certificate chain does not lead/,
    );

    const bundle = parseTrustBundle(`${otherRoot.pem}\n${root.pem}`);
    t.equal(bundle.certificates.length, 2, 'every block of a trust bundle is read, not only the first');
    t.equal(verifySignature(doc, hash, bundle).status, 'verified');

    t.equal(
      codeOf(() => verifySignature(doc, otherHash, root.pem)),
      'SIGNATURE_INVALID',
      'tampered bundle',
    );

    const stranger = generateSigningKeyPair(alg);
    t.equal(
      codeOf(() => signBundle(hash, stranger.privateKeyPem, { certChain: [leaf.pem] })),
      'INVALID_KEY',
      'the leaf must hold the signing key',
    );
    const forged = { ...signBundle(hash, stranger.privateKeyPem), certChain: [leaf.pem, intermediate.pem] };
    delete (forged as Partial<SignatureDocument>).publicKey;
    t.equal(
      codeOf(() => verifySignature(forged, hash, root.pem)),
      'SIGNATURE_INVALID',
      'certificate of someone else',
    );
    const mixed = { ...doc, publicKey: stranger.publicKeyPem };
    t.equal(
      codeOf(() => verifySignature(mixed, hash)),
      'SIGNATURE_INVALID',
      'publicKey not matching the leaf',
    );

    // The leaf's key itself in the trust bundle is trusted directly.
    t.equal(verifySignature(doc, hash, leaf.cert.publicKey.toString('pem')).status, 'verified');
  });

  t.test(`certificate validity and usage (${alg})`, async (t) => {
    const root = await issue({ alg, subject: 'CN=Root', ca: true });
    const signWith = async (options: Parameters<typeof issue>[0]) => {
      const leaf = await issue({ alg, issuer: root, ...options });
      return signBundle(hash, leaf.privateKeyPem, { certChain: [leaf.pem] });
    };

    const expired = await signWith({
      subject: 'CN=Expired',
      notBefore: new Date(Date.now() - 30 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    t.equal(
      codeOf(() => verifySignature(expired, hash, root.pem)),
      'SIGNER_UNTRUSTED',
    );
    t.throws(() => verifySignature(expired, hash, root.pem), /expired/);
    t.equal(verifySignature(expired, hash).status, 'unverified', 'the signature itself is still valid');

    const future = await signWith({
      subject: 'CN=Future',
      notBefore: new Date(Date.now() + DAY),
      notAfter: new Date(Date.now() + 30 * DAY),
    });
    t.throws(() => verifySignature(future, hash, root.pem), /not valid before/);
    t.equal(
      verifySignature(future, hash, root.pem, { now: new Date(Date.now() + 2 * DAY) }).status,
      'verified',
      'valid at a chosen moment',
    );

    const serverOnly = await signWith({ subject: 'CN=Web Server', eku: [EKU.serverAuth] });
    t.equal(
      codeOf(() => verifySignature(serverOnly, hash, root.pem)),
      'SIGNER_UNTRUSTED',
    );
    t.throws(() => verifySignature(serverOnly, hash, root.pem), /code signing/);

    const noEku = await signWith({ subject: 'CN=No EKU' });
    t.equal(verifySignature(noEku, hash, root.pem).status, 'verified', 'a leaf without EKUs may sign');
    const both = await signWith({ subject: 'CN=Both', eku: [EKU.serverAuth, EKU.codeSigning] });
    t.equal(verifySignature(both, hash, root.pem).status, 'verified');

    const expiredRoot = await issue({
      alg,
      subject: 'CN=Old Root',
      ca: true,
      notBefore: new Date(Date.now() - 30 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    const leaf = await issue({ alg, subject: 'CN=Under Old Root', issuer: expiredRoot });
    const underOld = signBundle(hash, leaf.privateKeyPem, { certChain: [leaf.pem] });
    t.throws(
      () => verifySignature(underOld, hash, expiredRoot.pem),
      /expired/,
      'the anchor must be valid too',
    );

    const notCa = await issue({ alg, subject: 'CN=Not A CA', issuer: root });
    const belowNotCa = await issue({ alg, subject: 'CN=Below', issuer: notCa });
    const viaNotCa = signBundle(hash, belowNotCa.privateKeyPem, { certChain: [belowNotCa.pem, notCa.pem] });
    t.equal(
      codeOf(() => verifySignature(viaNotCa, hash, root.pem)),
      'SIGNER_UNTRUSTED',
      'issuers must be CAs',
    );
  });
}

t.test('malformed signature documents are SIGNATURE_INVALID', async (t) => {
  const pair = generateSigningKeyPair('ed25519');
  const doc = signBundle(hash, pair.privateKeyPem);
  const bad: unknown[] = [
    'not json',
    null,
    [],
    { ...doc, v: 2 },
    { ...doc, alg: 'rsa' },
    { ...doc, keyId: 'ABC' },
    { ...doc, sig: 'not base64!' },
    { ...doc, extra: true },
    { v: 1, alg: 'ed25519', keyId: doc.keyId, sig: doc.sig },
    { ...doc, publicKey: 'not a pem' },
    { ...doc, publicKey: undefined, certChain: ['not a pem'] },
    { ...doc, publicKey: undefined, certChain: [] },
  ];
  for (const input of bad) {
    t.equal(
      codeOf(() => verifySignature(input, hash)),
      'SIGNATURE_INVALID',
      JSON.stringify(input)?.slice(0, 60),
    );
  }
  t.match(
    codeOf(() => parseSignatureDocument({ ...doc, extra: 1 })),
    'SIGNATURE_INVALID',
  );
});

t.test('trust bundles', async (t) => {
  const pair = generateSigningKeyPair('ecdsa-p256');
  const root = await issue({ subject: 'CN=Root', ca: true });
  const text = `# comment lines are fine\n${pair.publicKeyPem}\n${root.pem}`;
  const bundle = parseTrustBundle(text);
  t.equal(bundle.keys.size, 1);
  t.ok(bundle.keys.has(pair.keyId));
  t.equal(bundle.certificates.length, 1);
  t.same(
    splitPemBlocks(text).map((b) => b.label),
    ['PUBLIC KEY', 'CERTIFICATE'],
  );

  const file = join(await tempDir(), 'trust.pem');
  await writeFile(file, text);
  t.equal(readTrustBundlePem(file), text, 'a path is read');
  t.equal(readTrustBundlePem(text.replace(/\n/g, '\\n')), text, 'inline PEM with escaped newlines');
  t.equal(loadTrustBundle(file).keys.size, 1);

  t.equal(
    codeOf(() => parseTrustBundle('no pem here')),
    'INVALID_TRUST_BUNDLE',
  );
  t.equal(
    codeOf(() => parseTrustBundle(pair.privateKeyPem)),
    'INVALID_TRUST_BUNDLE',
    'private keys do not belong there',
  );
  t.equal(
    codeOf(() => readTrustBundlePem('/nonexistent/trust.pem')),
    'INVALID_TRUST_BUNDLE',
  );
});

t.test('signaturePolicy (SPEC section 4)', async (t) => {
  const pair = generateSigningKeyPair('ed25519');
  const doc = signBundle(hash, pair.privateKeyPem);
  const stranger = generateSigningKeyPair('ed25519');

  // No trust bundle: unsigned accepted, valid recorded as unverified, invalid rejected.
  t.same(signaturePolicy({ contentHash: hash }), { status: 'unsigned' });
  t.match(signaturePolicy({ contentHash: hash, signature: doc }), {
    status: 'unverified',
    keyId: pair.keyId,
  });
  t.match(signaturePolicy({ contentHash: hash, signature: JSON.stringify(doc) }), { status: 'unverified' });
  t.equal(
    codeOf(() => signaturePolicy({ contentHash: otherHash, signature: doc })),
    'SIGNATURE_INVALID',
  );

  // Trust bundle configured: fail closed.
  const trust = pair.publicKeyPem;
  t.equal(
    codeOf(() => signaturePolicy({ contentHash: hash, trust })),
    'SIGNATURE_REQUIRED',
  );
  t.equal(
    codeOf(() => signaturePolicy({ contentHash: hash, trust, signature: null })),
    'SIGNATURE_REQUIRED',
  );
  t.match(signaturePolicy({ contentHash: hash, trust, signature: doc }), {
    status: 'verified',
    signer: `key:${pair.keyId}`,
  });
  t.equal(
    codeOf(() => signaturePolicy({ contentHash: hash, trust: stranger.publicKeyPem, signature: doc })),
    'SIGNER_UNTRUSTED',
  );
  t.equal(
    codeOf(() => signaturePolicy({ contentHash: otherHash, trust, signature: doc })),
    'SIGNATURE_INVALID',
  );
  t.equal(
    codeOf(() => signaturePolicy({ contentHash: hash, trust: parseTrustBundle(trust), signature: '{' })),
    'SIGNATURE_INVALID',
  );
});

t.test('signing refuses unusable keys', async (t) => {
  const { generateKeyPairSync } = await import('node:crypto');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  t.equal(
    codeOf(() => signBundle(hash, rsa)),
    'INVALID_KEY',
  );
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  t.equal(
    codeOf(() => signBundle(hash, p384)),
    'INVALID_KEY',
  );
  t.equal(
    codeOf(() => signBundle(hash, 'garbage')),
    'INVALID_KEY',
  );
  t.equal(
    codeOf(() => signBundle('not-a-hash', generateSigningKeyPair().privateKeyPem)),
    'INVALID_CONTENT_HASH',
  );
});
