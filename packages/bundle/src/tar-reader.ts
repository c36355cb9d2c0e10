/**
 * A strict streaming tar reader. node-tar's Parser is built to be forgiving (it cuts names at the
 * first NUL, sniffs compression, tolerates a missing end-of-archive marker, turns bad headers into
 * warnings); a registry judging untrusted uploads needs the opposite, so the few formats that
 * matter (ustar, pax `x`/`g`, GNU `L`/`K`) are read here and everything else is refused.
 */
import { invalidBundle, invalidEntry } from './bundle-error.js';
import { ByteReader } from './byte-reader.js';

const BLOCK = 512;
/** Extended headers (pax, GNU long names) are held in memory; real ones are a few hundred bytes. */
const MAX_META_BYTES = 64 * 1024;
/** Extended headers in a row before a real entry; more is an attempt to spin the reader. */
const MAX_META_RUN = 8;
/** Zero padding after the end-of-archive marker (GNU tar pads to 10 KiB records). */
const MAX_TRAILING_BYTES = 1024 * 1024;

export interface TarEntry {
  /** The name as the archive spells it (pax or GNU long name applied), before normalization. */
  name: string;
  kind: 'file' | 'directory';
  size: number;
  /** The file's bytes; read it (or not) before asking for the next entry. */
  body: AsyncIterable<Buffer>;
}

const REFUSED_TYPES: Record<string, string> = {
  '1': 'is a hard link',
  '2': 'is a symbolic link',
  '3': 'is a character device',
  '4': 'is a block device',
  '6': 'is a FIFO',
  '7': 'is a contiguous file',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function* readTarEntries(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source);
  let pax: Map<string, string> | undefined;
  let longName: string | undefined;
  let metaRun = 0;
  let offset = 0;

  try {
    for (;;) {
      const block = await reader.read(BLOCK);
      if (block.length === 0) throw invalidBundle('truncated tar archive: no end-of-archive marker');
      if (block.length < BLOCK) throw invalidBundle('truncated tar archive: the stream ends inside a header');
      if (isZero(block)) {
        if (pax || longName !== undefined) throw invalidBundle('extended header without an entry after it');
        await expectOnlyZeros(reader);
        return;
      }
      const header = parseHeader(block, offset);
      offset += BLOCK;

      if (header.type === 'x' || header.type === 'g' || header.type === 'L' || header.type === 'K') {
        if (++metaRun > MAX_META_RUN) throw invalidBundle('too many extended headers in a row');
        if (header.size > MAX_META_BYTES)
          throw invalidBundle(`extended header larger than ${MAX_META_BYTES} bytes`);
        const data = await readBody(reader, header.size, header.name);
        offset += padded(header.size);
        if (header.type === 'x') pax = parsePax(data, pax);
        else if (header.type === 'L') longName = decodeName(trimTrailingNuls(data));
        // 'g' (global pax, e.g. git archive's comment) and 'K' (long link target) carry nothing
        // that applies to the regular files and directories accepted here.
        continue;
      }
      metaRun = 0;

      let name = header.name;
      if (longName !== undefined) name = longName;
      const paxPath = pax?.get('path');
      if (paxPath !== undefined) name = paxPath;
      let size = header.size;
      const paxSize = pax?.get('size');
      if (paxSize !== undefined) {
        if (!/^\d{1,16}$/.test(paxSize) || !Number.isSafeInteger(Number(paxSize))) {
          throw invalidEntry(name, 'invalid size in its pax header');
        }
        size = Number(paxSize);
      }
      pax = undefined;
      longName = undefined;

      const refused = REFUSED_TYPES[header.type];
      if (refused) throw invalidEntry(name, `${refused}; only regular files and directories are allowed`);
      let kind: TarEntry['kind'];
      if (header.type === '0' || header.type === '\0') kind = 'file';
      else if (header.type === '5') kind = 'directory';
      else throw invalidEntry(name, `has unsupported entry type ${JSON.stringify(header.type)}`);
      if (kind === 'directory' && size !== 0) throw invalidEntry(name, 'is a directory with data');

      let remaining = size;
      const body = (async function* () {
        for await (const chunk of reader.stream(remaining)) {
          remaining -= chunk.length;
          yield chunk;
        }
      })();
      yield { name, kind, size, body };
      // Whatever the consumer left unread is skipped here, then the block padding.
      for await (const chunk of reader.stream(remaining)) remaining -= chunk.length;
      if (remaining > 0) throw invalidEntry(name, 'truncated: the archive ends inside this file');
      const padding = padded(size) - size;
      if ((await reader.read(padding)).length < padding) throw invalidBundle('truncated tar archive');
      offset += padded(size);
    }
  } finally {
    // Stops the decoder and closes the source when the consumer stops early or an error ends the walk.
    await reader.close();
  }
}

interface RawHeader {
  name: string;
  type: string;
  size: number;
}

function parseHeader(block: Buffer, offset: number): RawHeader {
  const stored = parseNumber(block.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  if (stored === undefined || (stored !== unsigned && stored !== signed)) {
    throw invalidBundle(
      offset === 0 ? 'not a tar archive' : `corrupt tar header at offset ${offset} (checksum mismatch)`,
    );
  }
  const magic = block.toString('latin1', 257, 263);
  let name = decodeName(block.subarray(0, 100));
  // POSIX ustar splits long names into prefix + name; GNU tar uses those bytes for other fields.
  if (magic === 'ustar\0') {
    const prefix = decodeName(block.subarray(345, 500));
    if (prefix.length > 0) name = `${prefix}/${name}`;
  }
  const size = parseNumber(block.subarray(124, 136));
  if (size === undefined) throw invalidEntry(name, 'invalid size field');
  return { name, type: String.fromCharCode(block[156] as number), size };
}

/** Octal text, or GNU base-256 for large values; undefined when the field is malformed. */
function parseNumber(field: Buffer): number | undefined {
  const first = field[0] as number;
  if (first & 0x80) {
    if (first & 0x40) return undefined; // negative
    let value = first & 0x3f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] as number);
    return Number.isSafeInteger(value) ? value : undefined;
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return undefined;
  const value = parseInt(text, 8);
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * A name field ends at its first NUL; a NUL followed by more name bytes is kept, so the entry
 * is refused for its NUL instead of silently becoming a different, shorter name.
 */
function decodeName(field: Buffer): string {
  const bytes = trimTrailingNuls(field);
  try {
    return utf8.decode(bytes);
  } catch {
    throw invalidEntry(bytes.toString('latin1'), 'the name is not valid UTF-8');
  }
}

function trimTrailingNuls(data: Buffer): Buffer {
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  return data.subarray(0, end);
}

/** pax records: `<length> <key>=<value>\n`, length counting the whole record. */
function parsePax(data: Buffer, previous: Map<string, string> | undefined): Map<string, string> {
  const records = new Map(previous);
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const lengthText = space === -1 ? '' : data.toString('latin1', pos, space);
    if (!/^\d{1,6}$/.test(lengthText)) throw invalidBundle('corrupt pax header');
    const end = pos + Number(lengthText);
    if (end > data.length || end <= space + 1 || data[end - 1] !== 0x0a)
      throw invalidBundle('corrupt pax header');
    const record = data.subarray(space + 1, end - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw invalidBundle('corrupt pax header');
    let value: string;
    try {
      value = utf8.decode(record.subarray(eq + 1));
    } catch {
      throw invalidEntry(record.subarray(eq + 1).toString('latin1'), 'the name is not valid UTF-8');
    }
    records.set(record.toString('latin1', 0, eq), value);
    pos = end;
  }
  return records;
}

async function readBody(reader: ByteReader, size: number, name: string): Promise<Buffer> {
  const data = await reader.read(padded(size));
  if (data.length < padded(size)) throw invalidEntry(name, 'truncated: the archive ends inside this header');
  return data.subarray(0, size);
}

async function expectOnlyZeros(reader: ByteReader): Promise<void> {
  let trailing = 0;
  for await (const chunk of reader.stream(Number.MAX_SAFE_INTEGER)) {
    trailing += chunk.length;
    if (!isZero(chunk)) throw invalidBundle('data after the end-of-archive marker');
    if (trailing > MAX_TRAILING_BYTES)
      throw invalidBundle('too much padding after the end-of-archive marker');
  }
}

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

function isZero(data: Buffer): boolean {
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) return false;
  return true;
}
