import t from 'tap';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  BundleError,
  ContentHasher,
  contentHashHex,
  contentHashOfBytes,
  contentHashOfFile,
  contentHashOfStream,
  isContentHash,
  parseContentHash,
} from '@annex/bundle';
import { tempDirPath as tempDir } from '@annex/test-support';

const bytes = Buffer.from('annex bundle');
const hex = createHash('sha256').update(bytes).digest('hex');

t.test('one spelling: sha256:<64 lowercase hex>', async (t) => {
  t.equal(contentHashOfBytes(bytes), `sha256:${hex}`);
  t.ok(isContentHash(`sha256:${hex}`));
  t.notOk(isContentHash(hex), 'bare hex is input, not the canonical spelling');
  t.notOk(isContentHash(`sha256:${hex.toUpperCase()}`));
});

t.test('parse accepts bare hex and normalizes case', async (t) => {
  t.equal(parseContentHash(hex), `sha256:${hex}`);
  t.equal(parseContentHash(hex.toUpperCase()), `sha256:${hex}`);
  t.equal(parseContentHash(`sha256:${hex}`), `sha256:${hex}`);
  t.equal(contentHashHex(`sha256:${hex}`), hex);
  for (const bad of ['', 'sha256:', `sha256:${hex}0`, `md5:${hex}`, 'xyz', `sha512:${hex}`]) {
    t.throws(() => parseContentHash(bad), BundleError, bad);
    t.throws(() => parseContentHash(bad), { code: 'INVALID_CONTENT_HASH' });
  }
});

t.test('streaming helpers agree with the one-shot hash', async (t) => {
  const big = Buffer.alloc(3 * 1024 * 1024, 9);
  const expected = contentHashOfBytes(big);
  t.equal(await contentHashOfStream(Readable.from([big.subarray(0, 1000), big.subarray(1000)])), expected);
  const file = join(await tempDir(), 'b.tar.zst');
  await writeFile(file, big);
  t.equal(await contentHashOfFile(file), expected);
  const hasher = new ContentHasher();
  hasher.update(big.subarray(0, 7));
  hasher.update(big.subarray(7));
  t.equal(hasher.bytes, big.length);
  t.equal(hasher.digest(), expected);
});
