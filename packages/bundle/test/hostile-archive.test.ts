import t from 'tap';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  inspectBundle,
  unpackBundle,
  defaultZstdDecoder,
  packBundle,
  type ZstdDecoderName,
} from '@annex/bundle';
import {
  END_OF_ARCHIVE,
  countingSource,
  makeProject,
  manifestEntry,
  paxHeader,
  scaffoldManifest,
  tarArchive,
  tarEntryBytes,
  tarHeader,
  tempDirPath as tempDir,
  zstdCompress,
  type RawEntry,
} from '@annex/test-support';

// Every case runs through both decoders where the Node version has both, so a bundle is judged
// the same on Node 20 (fzstd) and Node 22+ (node:zlib).
const decoders: ZstdDecoderName[] = defaultZstdDecoder === 'node:zlib' ? ['node:zlib', 'fzstd'] : ['fzstd'];

interface Case {
  title: string;
  /** The archive (already zstd-compressed when `raw` is set, else a tar to compress). */
  build: (sibling: string) => Promise<Buffer> | Buffer;
  raw?: boolean;
  entry?: string;
  message: RegExp;
  limits?: Record<string, number>;
}

const withManifest = (...entries: (RawEntry | Buffer)[]) => tarArchive([manifestEntry(), ...entries]);

const cases: Case[] = [
  {
    title: 'zip-slip ../',
    build: () => withManifest({ name: '../sibling/evil', data: 'pwned' }),
    entry: '../sibling/evil',
    message: /"\.\." segment/,
  },
  {
    title: 'zip-slip hidden after a leading ./',
    build: () => withManifest({ name: './ui/../../sibling/evil', data: 'pwned' }),
    entry: './ui/../../sibling/evil',
    message: /"\.\." segment/,
  },
  {
    title: 'absolute path',
    build: (sibling) => withManifest({ name: `${sibling}/evil`, data: 'pwned' }),
    message: /absolute path/,
  },
  {
    title: 'Windows drive path',
    build: () => withManifest({ name: 'C:/evil', data: 'pwned' }),
    entry: 'C:/evil',
    message: /absolute path/,
  },
  {
    title: 'backslash',
    build: () => withManifest({ name: '..\\sibling\\evil', data: 'pwned' }),
    entry: '..\\sibling\\evil',
    message: /backslash/,
  },
  {
    title: 'control character',
    build: () => withManifest({ name: 'ui/\u001b[31mred.html', data: 'x' }),
    entry: 'ui/\u001b[31mred.html',
    message: /control character/,
  },
  {
    title: 'NUL inside the name field',
    build: () => withManifest({ name: 'x', nameBytes: Buffer.from('ui/a.html\0.wasm'), data: 'x' }),
    entry: 'ui/a.html\u0000.wasm',
    message: /NUL/,
  },
  {
    title: 'NUL in a pax path',
    build: () =>
      withManifest(paxHeader({ path: 'ui/a\u0000b' }), tarEntryBytes({ name: 'ui/ab', data: 'x' })),
    entry: 'ui/a\u0000b',
    message: /NUL/,
  },
  {
    title: 'pax path that escapes',
    build: () =>
      withManifest(paxHeader({ path: '../sibling/evil' }), tarEntryBytes({ name: 'ui/fine', data: 'x' })),
    entry: '../sibling/evil',
    message: /"\.\." segment/,
  },
  {
    title: 'symlink',
    build: () => withManifest({ name: 'ui/link', type: '2', linkname: '/etc/passwd' }),
    entry: 'ui/link',
    message: /symbolic link/,
  },
  {
    title: 'symlink then a file through it',
    build: () =>
      withManifest({ name: 'ui', type: '2', linkname: '../sibling' }, { name: 'ui/evil', data: 'x' }),
    entry: 'ui',
    message: /symbolic link/,
  },
  {
    title: 'hard link',
    build: () => withManifest({ name: 'ui/hard', type: '1', linkname: 'manifest.json' }),
    entry: 'ui/hard',
    message: /hard link/,
  },
  {
    title: 'character device',
    build: () => withManifest({ name: 'dev/tty', type: '3' }),
    entry: 'dev/tty',
    message: /character device/,
  },
  {
    title: 'block device',
    build: () => withManifest({ name: 'dev/sda', type: '4' }),
    entry: 'dev/sda',
    message: /block device/,
  },
  {
    title: 'fifo',
    build: () => withManifest({ name: 'ui/pipe', type: '6' }),
    entry: 'ui/pipe',
    message: /FIFO/,
  },
  {
    title: 'unknown entry type',
    build: () => withManifest({ name: 'ui/sparse', type: 'S' }),
    entry: 'ui/sparse',
    message: /unsupported entry type/,
  },
  {
    title: 'duplicate path',
    build: () => withManifest({ name: 'ui/a.html', data: 'one' }, { name: 'ui/a.html', data: 'two' }),
    entry: 'ui/a.html',
    message: /duplicate path/,
  },
  {
    title: 'duplicate path after removing ./',
    build: () => withManifest({ name: 'ui/a.html', data: 'one' }, { name: './ui/a.html', data: 'two' }),
    entry: './ui/a.html',
    message: /duplicate path/,
  },
  {
    title: 'duplicate manifest.json via ./',
    build: () => withManifest({ name: './manifest.json', data: '{}' }),
    entry: './manifest.json',
    message: /duplicate path/,
  },
  {
    title: 'duplicate path differing only by case',
    build: () => withManifest({ name: 'README.md', data: 'one' }, { name: 'readme.md', data: 'two' }),
    entry: 'readme.md',
    message: /only by letter case/,
  },
  {
    title: 'file below a file',
    build: () => withManifest({ name: 'ui', data: 'file' }, { name: 'ui/x.html', data: 'x' }),
    entry: 'ui/x.html',
    message: /parent "ui" is a file/,
  },
  {
    title: 'more than 10,000 entries (directories count)',
    build: () =>
      withManifest(
        ...Array.from({ length: 10_000 }, (_, i) => tarHeader({ name: `assets/d${i}/`, type: '5' })),
      ),
    entry: 'assets/d9999/',
    message: /more than 10000 entries/,
  },
  {
    title: 'more unpacked bytes than allowed',
    limits: { maxUnpackedBytes: 4096 },
    build: () => withManifest({ name: 'assets/big.bin', data: Buffer.alloc(5000, 7) }),
    entry: 'assets/big.bin',
    message: /unpacked size exceeds 4096 bytes/,
  },
  {
    title: 'size field lies about the data (truncated inside a file)',
    build: () =>
      Buffer.concat([
        tarEntryBytes(manifestEntry()),
        tarHeader({ name: 'ui/a.html', size: 100_000 }),
        Buffer.alloc(1024),
      ]),
    entry: 'ui/a.html',
    message: /truncated/,
  },
  {
    title: 'tar without an end-of-archive marker',
    build: () => tarEntryBytes(manifestEntry()),
    message: /no end-of-archive marker/,
  },
  {
    title: 'data after the end-of-archive marker',
    build: () => Buffer.concat([withManifest(), Buffer.from('surprise'.padEnd(512, '!'))]),
    message: /after the end-of-archive marker/,
  },
  {
    title: 'corrupt tar header',
    build: () => {
      const archive = withManifest({ name: 'ui/a.html', data: 'x' });
      archive.writeUInt8(archive.readUInt8(1034) ^ 0xff, 1034); // inside the second header's name: checksum now wrong
      return archive;
    },
    message: /checksum/,
  },
  {
    title: 'manifest.json missing',
    build: () => tarArchive([{ name: 'README.md', data: 'hi' }]),
    message: /manifest\.json is missing/,
  },
  {
    title: 'not zstd (a plain tar)',
    raw: true,
    build: () => withManifest(),
    message: /not a zstd stream/,
  },
  {
    title: 'not zstd (gzip)',
    raw: true,
    build: () => Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4]),
    message: /not a zstd stream/,
  },
  {
    title: 'empty input',
    raw: true,
    build: () => Buffer.alloc(0),
    message: /empty stream/,
  },
  {
    title: 'truncated zstd stream',
    raw: true,
    build: async () => {
      const whole = await zstdCompress(withManifest({ name: 'assets/noise.bin', data: noise(200_000) }));
      return whole.subarray(0, whole.length - 1000);
    },
    message: /truncated/,
  },
  {
    title: 'zstd stream cut by a few bytes',
    raw: true,
    build: async () => {
      const whole = await zstdCompress(withManifest());
      return whole.subarray(0, whole.length - 3);
    },
    message: /truncated/,
  },
  {
    title: 'garbage after the last zstd frame',
    raw: true,
    build: async () => Buffer.concat([await zstdCompress(withManifest()), Buffer.from('garbage!')]),
    message: /after the last zstd frame/,
  },
  {
    title: 'corrupt zstd data',
    raw: true,
    build: async () => {
      const whole = Buffer.from(
        await zstdCompress(withManifest({ name: 'assets/noise.bin', data: noise(50_000) })),
      );
      for (let i = 20; i < whole.length - 8; i += 97) whole.writeUInt8(whole.readUInt8(i) ^ 0x5a, i);
      return whole;
    },
    message: /Invalid bundle/,
  },
  {
    title: 'zstd window above the limit',
    raw: true,
    build: () => rawBlockFrame(withManifest(), 17), // 2^27 = 128 MiB window
    message: /window of 134217728 bytes/,
  },
];

function noise(length: number): Buffer {
  const data = Buffer.alloc(length);
  let x = 12345;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return data;
}

/** A hand-made zstd frame: no content size, window 2^(10+exponent), raw blocks. */
function rawBlockFrame(data: Buffer, exponent: number): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, exponent << 3])];
  const blockSize = Math.min(128 * 1024, 2 ** (10 + exponent));
  for (let offset = 0; offset < data.length; offset += blockSize) {
    const block = data.subarray(offset, offset + blockSize);
    const last = offset + blockSize >= data.length ? 1 : 0;
    const header = last | (block.length << 3);
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), block);
  }
  return Buffer.concat(parts);
}

for (const decoder of decoders) {
  t.test(`hostile archives are rejected (${decoder})`, async (t) => {
    for (const c of cases) {
      t.test(c.title, async (t) => {
        const root = await tempDir();
        const sibling = join(root, 'sibling');
        await mkdir(sibling);
        const built = await c.build(sibling);
        const bundle = c.raw ? built : await zstdCompress(built);
        const options = { decoder, ...(c.limits ? { limits: c.limits } : {}) };

        const inspected = await inspectBundle(bundle, options).then(
          () => undefined,
          (err: unknown) => err,
        );
        t.match(
          inspected,
          { name: 'BundleError', code: 'INVALID_BUNDLE', message: c.message },
          'inspect rejects',
        );
        if (c.entry !== undefined) {
          t.match(inspected, { entry: c.entry }, 'the offending entry is named');
          t.ok((inspected as Error).message.includes(JSON.stringify(c.entry)), 'shown JSON-escaped');
        }

        await t.rejects(
          unpackBundle(bundle, join(root, 'target'), options),
          { code: 'INVALID_BUNDLE' },
          'unpack rejects',
        );
        t.same(await readdir(root), ['sibling'], 'the target is removed');
        t.same(await readdir(sibling), [], 'nothing written outside the target');
      });
    }
  });

  t.test(`a decompression bomb stops early (${decoder})`, async (t) => {
    // 256 MiB in one file (under the 512 MiB cap) at about 300:1: a few random bytes per 4 KiB.
    const sparse = Buffer.alloc(4 * 1024 * 1024);
    const random = noise(sparse.length / 256);
    for (let i = 0; i < random.length; i += 16) random.copy(sparse, (i / 16) * 4096, i, i + 16);
    const frame = await zstdCompress(sparse);
    const bomb = Buffer.concat([
      await zstdCompress(
        Buffer.concat([
          tarEntryBytes(manifestEntry()),
          tarHeader({ name: 'assets/bomb.bin', size: 256 * 1024 * 1024 }),
        ]),
      ),
      ...Array.from({ length: 64 }, () => frame),
      await zstdCompress(END_OF_ARCHIVE),
    ]);
    t.ok(bomb.length > 256 * 1024, `the bomb is ${bomb.length} bytes, more than any decoder reads ahead`);
    const { source, consumed } = countingSource(bomb, 4096);
    const err = await inspectBundle(source, { decoder }).catch((e: unknown) => e);
    t.match(err, {
      code: 'INVALID_BUNDLE',
      entry: 'assets/bomb.bin',
      message: /decompression ratio above 100:1/,
    });
    t.ok(consumed() < bomb.length / 4, `stopped after ${consumed()} of ${bomb.length} compressed bytes`);

    const root = await tempDir();
    const { source: again } = countingSource(bomb, 4096);
    await t.rejects(unpackBundle(again, join(root, 'target'), { decoder }), {
      code: 'INVALID_BUNDLE',
      entry: 'assets/bomb.bin',
    });
    t.same(await readdir(root), [], 'partial output removed');
  });

  t.test(`an extreme bomb (zeros, thousands to one) is refused (${decoder})`, async (t) => {
    const zeros = await zstdCompress(Buffer.alloc(4 * 1024 * 1024));
    const bomb = Buffer.concat([
      await zstdCompress(
        Buffer.concat([
          tarEntryBytes(manifestEntry()),
          tarHeader({ name: 'assets/zeros.bin', size: 256 * 1024 * 1024 }),
        ]),
      ),
      ...Array.from({ length: 64 }, () => zeros),
      await zstdCompress(END_OF_ARCHIVE),
    ]);
    await t.rejects(inspectBundle(bomb, { decoder }), {
      code: 'INVALID_BUNDLE',
      message: /decompression ratio above 100:1/,
    });
  });

  t.test(`multi-frame bundles decode completely (${decoder})`, async (t) => {
    // node:zlib drops the rest of a written chunk after a frame ends; frames are fed whole.
    const big = noise(9 * 1024 * 1024);
    const tar = withManifest({ name: 'assets/big.bin', data: big });
    const frames: Buffer[] = [];
    for (let offset = 0; offset < tar.length; offset += 1024 * 1024)
      frames.push(await zstdCompress(tar.subarray(offset, offset + 1024 * 1024)));
    const bundle = Buffer.concat(frames);
    for (const chunkSize of [1000, 65536, bundle.length]) {
      const { source } = countingSource(bundle, chunkSize);
      const info = await inspectBundle(source, { decoder });
      t.equal(info.totalSize, big.length + info.files[0]!.size, `chunks of ${chunkSize}`);
    }
  });

  t.test(`limits can be tightened for tests (${decoder})`, async (t) => {
    const bundle = await zstdCompress(withManifest({ name: 'a', data: 'x' }, { name: 'b', data: 'y' }));
    await t.rejects(inspectBundle(bundle, { decoder, limits: { maxEntries: 2 } }), {
      entry: 'b',
      message: /more than 2 entries/,
    });
    t.ok(await inspectBundle(bundle, { decoder, limits: { maxEntries: 3 } }));
  });
}

t.test('well-formed archives from other writers are accepted', async (t) => {
  const tar = tarArchive([
    tarHeader({ name: './', type: '5' }),
    manifestEntry(),
    tarHeader({ name: './ui/', type: '5' }),
    paxHeader({ path: `ui/${'long-name-'.repeat(15)}.html`, mtime: '1700000000.5' }),
    tarEntryBytes({ name: 'ui/shortened', data: 'long' }),
    paxHeader({ path: 'ui/naïve-ünïcode.txt' }),
    tarEntryBytes({ name: 'ui/unicode', data: 'u' }),
  ]);
  for (const decoder of decoders) {
    for (const bundle of [await zstdCompress(tar), rawBlockFrame(tar, 3)]) {
      const info = await inspectBundle(bundle, { decoder });
      t.same(
        info.files.map((f) => f.path),
        ['manifest.json', `ui/${'long-name-'.repeat(15)}.html`, 'ui/naïve-ünïcode.txt'],
        decoder,
      );
    }
  }
});

t.test('unpack refuses a non-empty target and leaves it alone', async (t) => {
  const dir = await makeProject({ 'manifest.json': JSON.stringify(scaffoldManifest({ api: undefined })) });
  const packed = await packBundle(dir);
  const target = await makeProject({ 'keep.txt': 'mine' });
  await t.rejects(unpackBundle(packed.bytes as Buffer, target), { code: 'TARGET_NOT_EMPTY' });
  t.same(await readdir(target), ['keep.txt']);
});

t.test('a wrong expected hash is HASH_MISMATCH and unpacks nothing', async (t) => {
  const dir = await makeProject({ 'manifest.json': JSON.stringify(scaffoldManifest({ api: undefined })) });
  const packed = await packBundle(dir);
  const root = await tempDir();
  await t.rejects(
    unpackBundle(packed.bytes as Buffer, join(root, 'out'), { expectedContentHash: 'f'.repeat(64) }),
    { code: 'HASH_MISMATCH', details: { actual: packed.contentHash } },
  );
  t.same(await readdir(root), []);
});
