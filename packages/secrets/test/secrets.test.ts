import t from 'tap';
import { parseKeks } from '@annex/config';
import {
  decryptValue,
  encryptValue,
  needsReencryption,
  openSecrets,
  sealSecrets,
  SecretsError,
} from '@annex/secrets';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const keks = parseKeks(`new:${key(1)},old:${key(2)}`);
const oldOnly = parseKeks(`old:${key(2)}`);
const binding = { tenantId: 't1', installId: '11111111-1111-4111-8111-111111111111' };

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof SecretsError ? err.code : `not a SecretsError: ${String(err)}`;
  }
  return 'no error';
};

t.test('an envelope round-trips under the first key and opens with any listed key', async (t) => {
  const values = { API_TOKEN: 'sk_live_ünïcödé 🎉', EMPTY: '', b: 'two' };
  const envelope = sealSecrets(values, keks, binding);
  t.equal(envelope.key_id, 'new', 'the first key seals');
  t.match(envelope.ciphertext_b64, /^[A-Za-z0-9+/]+=*$/);
  t.same(openSecrets(envelope, keks, binding), values);
  t.notMatch(Buffer.from(envelope.ciphertext_b64, 'base64').toString('latin1'), /sk_live/);

  const sealedByOld = sealSecrets(values, oldOnly, binding);
  t.equal(sealedByOld.key_id, 'old');
  t.same(openSecrets(sealedByOld, keks, binding), values, 'a rotated-out key still opens');
  t.same(openSecrets(sealSecrets({}, keks, binding), keks, binding), {});
});

t.test('each seal uses a fresh nonce', async (t) => {
  const a = sealSecrets({ A: 'x' }, keks, binding);
  const b = sealSecrets({ A: 'x' }, keks, binding);
  t.not(a.ciphertext_b64, b.ciphertext_b64);
});

t.test('an envelope cannot be opened for another tenant or install', async (t) => {
  const envelope = sealSecrets({ A: 'x' }, keks, binding);
  t.equal(
    code(() => openSecrets(envelope, keks, { ...binding, tenantId: 't2' })),
    'DECRYPT_FAILED',
  );
  t.equal(
    code(() =>
      openSecrets(envelope, keks, { ...binding, installId: '22222222-2222-4222-8222-222222222222' }),
    ),
    'DECRYPT_FAILED',
  );
  // Length-prefixed binding: moving a character from one field to the other changes the data.
  const tricky = sealSecrets({ A: 'x' }, keks, { tenantId: 'ab', installId: 'c' });
  t.equal(
    code(() => openSecrets(tricky, keks, { tenantId: 'a', installId: 'bc' })),
    'DECRYPT_FAILED',
  );
});

t.test('tampering, unknown keys and garbage are refused with codes', async (t) => {
  const envelope = sealSecrets({ A: 'x' }, keks, binding);
  const bytes = Buffer.from(envelope.ciphertext_b64, 'base64');
  for (const at of [0, 5, bytes.length - 20, bytes.length - 1]) {
    const flipped = Buffer.from(bytes);
    flipped[at]! ^= 1;
    const result = code(() =>
      openSecrets({ ...envelope, ciphertext_b64: flipped.toString('base64') }, keks, binding),
    );
    t.ok(['DECRYPT_FAILED', 'MALFORMED'].includes(result), `byte ${at}: ${result}`);
  }
  t.equal(
    code(() => openSecrets({ ...envelope, key_id: 'nope' }, keks, binding)),
    'UNKNOWN_KEY',
  );
  t.equal(
    code(() => openSecrets({ ...envelope, key_id: 'old' }, keks, binding)),
    'DECRYPT_FAILED',
  );
  t.equal(
    code(() => openSecrets(envelope, oldOnly, binding)),
    'UNKNOWN_KEY',
  );
  t.equal(
    code(() => openSecrets({ ciphertext_b64: '!!', key_id: 'new' }, keks, binding)),
    'MALFORMED',
  );
  t.equal(
    code(() => openSecrets({ ciphertext_b64: 'AAAA', key_id: 'new' }, keks, binding)),
    'MALFORMED',
  );
  t.equal(
    code(() => openSecrets(envelope, [], binding)),
    'NO_KEYS',
  );
  t.equal(
    code(() => sealSecrets({ A: 'x' }, [], binding)),
    'NO_KEYS',
  );
  t.equal(
    code(() => sealSecrets({ A: 'x' }, keks, { tenantId: '', installId: 'i' })),
    'INVALID_INPUT',
  );
  t.equal(
    code(() => sealSecrets({ A: 1 as unknown as string }, keks, binding)),
    'INVALID_INPUT',
  );
});

t.test('error messages carry neither values nor keys', async (t) => {
  const envelope = sealSecrets({ A: 'hunter2' }, keks, binding);
  try {
    openSecrets(envelope, keks, { ...binding, tenantId: 'other' });
    t.fail('should throw');
  } catch (err) {
    t.notMatch((err as Error).message, /hunter2|AQEB/);
  }
});

t.test('single values at rest are bound to tenant, install and name', async (t) => {
  const secret = { ...binding, name: 'API_TOKEN' };
  const encrypted = encryptValue('s3cr3t', keks, secret);
  t.equal(encrypted.keyId, 'new');
  t.equal(decryptValue(encrypted, keks, secret), 's3cr3t');
  t.equal(
    code(() => decryptValue(encrypted, keks, { ...secret, name: 'OTHER' })),
    'DECRYPT_FAILED',
  );
  t.equal(
    code(() => decryptValue(encrypted, keks, { ...secret, tenantId: 't9' })),
    'DECRYPT_FAILED',
  );
  t.equal(needsReencryption(encrypted, keks), false);
  t.equal(needsReencryption(encryptValue('v', oldOnly, secret), keks), true);
});

t.test('a value and an envelope are different purposes: one never opens as the other', async (t) => {
  const sealed = sealSecrets({ A: 'x' }, keks, binding);
  t.equal(
    code(() =>
      decryptValue({ ciphertext: sealed.ciphertext_b64, keyId: sealed.key_id }, keks, {
        ...binding,
        name: 'A',
      }),
    ),
    'DECRYPT_FAILED',
  );
});
