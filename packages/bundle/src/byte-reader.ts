/**
 * Pull-based reads of exact byte counts from an async stream of chunks. Holds at most one source
 * chunk plus the bytes asked for, which is what keeps unpacking within bounded memory.
 */
export class ByteReader {
  readonly #source: AsyncIterator<Uint8Array>;
  #pending: Buffer = Buffer.alloc(0);
  #done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  async #fill(): Promise<boolean> {
    while (this.#pending.length === 0) {
      if (this.#done) return false;
      const next = await this.#source.next();
      if (next.done) {
        this.#done = true;
        return false;
      }
      const value = next.value;
      this.#pending = Buffer.isBuffer(value)
        ? value
        : Buffer.from(value.buffer, value.byteOffset, value.length);
    }
    return true;
  }

  /** Exactly `n` bytes, or fewer when the stream ends first (the caller decides what that means). */
  async read(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n && (await this.#fill())) {
      const take = this.#pending.subarray(0, n - have);
      this.#pending = this.#pending.subarray(take.length);
      parts.push(take);
      have += take.length;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, have);
  }

  /** Up to `n` bytes as they arrive, without joining them; stops early when the stream ends. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0 && (await this.#fill())) {
      const take = this.#pending.subarray(0, left);
      this.#pending = this.#pending.subarray(take.length);
      left -= take.length;
      yield take;
    }
  }

  /** Ends the underlying iterator early (closes the decoder and the source behind it). */
  async close(): Promise<void> {
    this.#done = true;
    await this.#source.return?.();
  }
}
