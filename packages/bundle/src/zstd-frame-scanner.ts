/**
 * Walks the frame and block headers of a zstd stream as it passes, without decoding anything.
 * It makes the judgement of a stream independent of which decoder runs (node:zlib or fzstd):
 * the magic number ("not zstd"), the window size limit, reserved bits, and where the stream ends
 * ("truncated") are all decided here, identically on every Node version.
 */
import { invalidBundle } from './bundle-error.js';

const ZSTD_MAGIC = 0xfd2fb528;
const BLOCK_MAX = 128 * 1024;

type State = 'magic' | 'frameHeader' | 'skippableSize' | 'blockHeader' | 'skip' | 'checksum';

export class ZstdFrameScanner {
  readonly #maxWindow: number;
  #state: State = 'magic';
  /** Header bytes collected so far for the current state. */
  #header: number[] = [];
  #need = 4;
  #skip = 0;
  #afterSkip: State = 'blockHeader';
  #checksum = false;
  #lastBlock = false;
  #window = 0;
  frames = 0;

  constructor(maxWindowBytes: number) {
    this.#maxWindow = maxWindowBytes;
  }

  /**
   * Scans a chunk; returns the offsets in it where a frame ended. node:zlib's zstd decoder drops
   * the rest of a written chunk once a frame ends inside it (Node 22 and 24 silently truncate
   * multi-frame streams), so the reader writes frames to it in pieces that end at these offsets.
   */
  push(chunk: Uint8Array): number[] {
    const frameEnds: number[] = [];
    let i = 0;
    while (i < chunk.length) {
      const before = this.#state;
      if (this.#state === 'skip') {
        const take = Math.min(this.#skip, chunk.length - i);
        this.#skip -= take;
        i += take;
        if (this.#skip === 0) this.#state = this.#afterSkip;
      } else {
        this.#header.push(chunk[i++] as number);
        if (this.#header.length === this.#need) this.#onHeader();
      }
      if (this.#state === 'magic' && before !== 'magic') frameEnds.push(i);
    }
    return frameEnds;
  }

  /** Call when the compressed stream has ended. */
  end(): void {
    if (this.frames === 0 && this.#state === 'magic' && this.#header.length === 0) {
      throw invalidBundle('empty stream: not a zstd stream');
    }
    if (this.#state !== 'magic' || this.#header.length > 0) throw invalidBundle('truncated zstd stream');
  }

  #onHeader(): void {
    const h = this.#header;
    switch (this.#state) {
      case 'magic': {
        const magic =
          ((h[0] as number) |
            ((h[1] as number) << 8) |
            ((h[2] as number) << 16) |
            ((h[3] as number) << 24)) >>>
          0;
        if (magic === ZSTD_MAGIC) {
          this.#expect('frameHeader', 2);
        } else if (magic >>> 4 === 0x184d2a5) {
          this.#expect('skippableSize', 4);
        } else {
          throw invalidBundle(
            this.frames === 0 ? 'not a zstd stream' : 'data after the last zstd frame is not zstd',
          );
        }
        return;
      }
      case 'frameHeader': {
        const descriptor = h[0] as number;
        const contentSizeFlag = descriptor >> 6;
        const singleSegment = (descriptor >> 5) & 1;
        const dictionaryFlag = descriptor & 3;
        if (descriptor & 0x08) throw invalidBundle('corrupt zstd frame header (reserved bit set)');
        if (dictionaryFlag !== 0) throw invalidBundle('zstd frames that need a dictionary are not supported');
        const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][contentSizeFlag] as number;
        const total = 1 + (singleSegment ? 0 : 1) + contentSizeBytes;
        if (h.length < total) {
          this.#need = total;
          return;
        }
        if (singleSegment) {
          let size = 0;
          for (let b = contentSizeBytes - 1; b >= 0; b--) size = size * 256 + (h[1 + b] as number);
          if (contentSizeBytes === 2) size += 256;
          this.#window = size;
        } else {
          const wd = h[1] as number;
          const base = 2 ** (10 + (wd >> 3));
          this.#window = base + (base / 8) * (wd & 7);
        }
        if (this.#window > this.#maxWindow) {
          throw invalidBundle(
            `zstd window of ${this.#window} bytes is above the limit of ${this.#maxWindow} (compress with a level up to 19, without --long)`,
          );
        }
        this.#checksum = ((descriptor >> 2) & 1) === 1;
        this.frames++;
        this.#expect('blockHeader', 3);
        return;
      }
      case 'skippableSize': {
        this.#skip =
          ((h[0] as number) |
            ((h[1] as number) << 8) |
            ((h[2] as number) << 16) |
            ((h[3] as number) << 24)) >>>
          0;
        this.#afterSkip = 'magic';
        this.#expect(this.#skip > 0 ? 'skip' : 'magic', 4);
        return;
      }
      case 'blockHeader': {
        const value = (h[0] as number) | ((h[1] as number) << 8) | ((h[2] as number) << 16);
        this.#lastBlock = (value & 1) === 1;
        const type = (value >> 1) & 3;
        const size = value >>> 3;
        if (type === 3) throw invalidBundle('corrupt zstd block (reserved block type)');
        if (size > BLOCK_MAX) {
          throw invalidBundle('corrupt zstd block (larger than the maximum block size)');
        }
        const bodyBytes = type === 1 ? 1 : size; // an RLE block stores its byte once
        this.#afterSkip = this.#lastBlock ? (this.#checksum ? 'checksum' : 'magic') : 'blockHeader';
        this.#header = [];
        this.#need = this.#afterSkip === 'checksum' ? 4 : this.#afterSkip === 'magic' ? 4 : 3;
        if (bodyBytes > 0) {
          this.#skip = bodyBytes;
          this.#state = 'skip';
        } else {
          this.#state = this.#afterSkip;
        }
        return;
      }
      case 'checksum':
        this.#expect('magic', 4);
        return;
      case 'skip':
        return;
    }
  }

  #expect(state: State, bytes: number): void {
    this.#state = state;
    this.#need = bytes;
    this.#header = [];
  }
}
