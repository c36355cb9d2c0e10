import t from 'tap';
import {
  assertBase,
  canonicalKey,
  formatContentHash,
  InvalidKeyError,
  parseContentHash,
  parseStoreKey,
  stagingKey,
} from '@annex/store';

const HEX = '0123456789abcdef'.repeat(4);

t.test('canonical keys from sha256:<hex> or bare hex', async (t) => {
  t.equal(canonicalKey(`sha256:${HEX}`, 'bundle'), `sha256/${HEX}/bundle.tar.zst`);
  t.equal(canonicalKey(HEX, 'manifest'), `sha256/${HEX}/manifest.json`);
  t.equal(canonicalKey(HEX, 'signature'), `sha256/${HEX}/bundle.sig`);
  t.equal(canonicalKey(HEX.toUpperCase(), 'bundle', 'prod/bundles/'), `prod/bundles/${HEX}/bundle.tar.zst`);
  t.equal(parseContentHash(`sha256:${HEX.toUpperCase()}`), HEX, 'normalized to lowercase');
  t.equal(formatContentHash(HEX), `sha256:${HEX}`);
});

t.test('bad hashes never become keys', async (t) => {
  for (const hash of [
    '',
    HEX.slice(1),
    `${HEX}0`,
    `sha256:${HEX.slice(0, 63)}g`,
    `sha512:${HEX}`,
    `sha256:../${HEX.slice(3)}`,
    `${HEX.slice(0, 62)}/.`,
    `../../${HEX}`,
    `sha256:${HEX}/../x`,
    ` ${HEX}`,
  ]) {
    t.throws(() => canonicalKey(hash, 'bundle'), InvalidKeyError, JSON.stringify(hash));
  }
  t.throws(() => canonicalKey(HEX, 'other' as 'bundle'), InvalidKeyError);
});

t.test('staging keys accept upload ids of [A-Za-z0-9_-] only', async (t) => {
  t.equal(
    stagingKey('0b6f1c7e-9f1a-4a51-8d0b-6f0e0b7a1c2d'),
    'staging/0b6f1c7e-9f1a-4a51-8d0b-6f0e0b7a1c2d/bundle.tar.zst',
  );
  t.equal(stagingKey('Up_1'), 'staging/Up_1/bundle.tar.zst');
  for (const id of ['', '..', '../x', 'a/b', '.hidden', '-lead', 'a b', 'a\u0000', 'x'.repeat(129), 'é']) {
    t.throws(() => stagingKey(id), InvalidKeyError, JSON.stringify(id));
  }
});

t.test('parseStoreKey accepts exactly the layout', async (t) => {
  t.same(parseStoreKey(`sha256/${HEX}/bundle.sig`), {
    kind: 'canonical',
    key: `sha256/${HEX}/bundle.sig`,
    hash: HEX,
    object: 'signature',
  });
  t.same(parseStoreKey('staging/u1/bundle.tar.zst'), {
    kind: 'staging',
    key: 'staging/u1/bundle.tar.zst',
    uploadId: 'u1',
  });
  t.same(parseStoreKey(`b/${HEX}/manifest.json`, 'b/'), {
    kind: 'canonical',
    key: `b/${HEX}/manifest.json`,
    hash: HEX,
    object: 'manifest',
  });
  for (const key of [
    `sha256/${HEX}/bundle.tar.zst/`,
    `sha256/${HEX}//bundle.tar.zst`,
    `sha256//${HEX}/bundle.tar.zst`,
    `/sha256/${HEX}/bundle.tar.zst`,
    `sha256/${HEX}`,
    `sha256/${HEX}/`,
    `sha256/../${HEX}/bundle.tar.zst`,
    `sha256/${HEX}/../../etc/passwd`,
    `other/${HEX}/bundle.tar.zst`,
    'staging/u1/../../etc/passwd',
    'staging/u1',
    'staging//bundle.tar.zst',
    'staging/u1/bundle.tar.zst/x',
    'staging/u1/manifest.json',
  ]) {
    t.throws(() => parseStoreKey(key), InvalidKeyError, key);
  }
  t.throws(() => parseStoreKey(`sha256/${HEX}/bundle.sig`, 'b/'), InvalidKeyError, 'another base');
});

t.test('bases: segments ending with /, never ./.. or staging/', async (t) => {
  for (const base of ['sha256/', 'a/b/c/', 'bundles.v1/', 'x_y-z/']) t.equal(assertBase(base), base);
  for (const base of [
    '',
    '/',
    'sha256',
    '../',
    './',
    'a/../',
    'a/./',
    '.tmp/',
    '/abs/',
    'a//',
    'staging/',
    'staging/a/',
    'a b/',
  ]) {
    t.throws(() => assertBase(base), InvalidKeyError, JSON.stringify(base));
  }
});
