/**
 * The WASI interfaces a JavaScript guest built by componentize-js imports (clocks, random, io,
 * stdio), implemented here rather than by @bytecodealliance/preview2-shim: the shim's Node build
 * runs stream calls through an I/O worker thread, writes to the runner's real stderr, and its
 * `exit` ends the thread. Here nothing reaches the host: stdout and stderr are discarded (guests log
 * through `logging`), stdin is closed, there is no filesystem, network, environment or exit.
 * Always linked, no capability: nothing in it can act outside the instance.
 */
import { randomFillSync } from 'node:crypto';

const MAX_RANDOM_BYTES = 1024 * 1024;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

const monotonicNow = () => process.hrtime.bigint();

class WasiError {
  constructor(private readonly message: string) {}
  toDebugString() {
    return this.message;
  }
}

class Pollable {
  constructor(private readonly readyAt: bigint = 0n) {}
  ready() {
    return monotonicNow() >= this.readyAt;
  }
  block() {
    // The worker is the guest's own thread: sleeping blocks nothing else, and the call's timeout
    // terminates the worker anyway.
    const waitNs = this.readyAt - monotonicNow();
    if (waitNs > 0n) Atomics.wait(sleeper, 0, 0, Number(waitNs / 1_000_000n) + 1);
  }
  static readyAt(pollable: Pollable) {
    return pollable.readyAt;
  }
}

function poll(list: Pollable[]): Uint32Array {
  if (list.length === 0) throw new Error('poll: empty list');
  const ready = () => list.flatMap((p, i) => (p.ready() ? [i] : []));
  let indices = ready();
  if (indices.length === 0) {
    const earliest = list.reduce(
      (min, p) => (Pollable.readyAt(p) < min ? Pollable.readyAt(p) : min),
      Pollable.readyAt(list[0]!),
    );
    new Pollable(earliest).block();
    indices = ready();
  }
  return Uint32Array.from(indices);
}

const closed = () => {
  throw { tag: 'closed' };
};

class InputStream {
  read = closed;
  blockingRead = closed;
  skip = closed;
  blockingSkip = closed;
  subscribe() {
    return new Pollable();
  }
}

/** An output stream that accepts and drops everything (guest stdout/stderr). */
class OutputStream {
  checkWrite() {
    return 65536n;
  }
  write(_contents: Uint8Array) {}
  blockingWriteAndFlush(_contents: Uint8Array) {}
  flush() {}
  blockingFlush() {}
  writeZeroes(_len: bigint) {}
  blockingWriteZeroesAndFlush(_len: bigint) {}
  splice = closed;
  blockingSplice = closed;
  subscribe() {
    return new Pollable();
  }
}

function randomBytes(len: bigint | number): Uint8Array {
  const n = Number(len);
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_RANDOM_BYTES) {
    throw new Error(`random: at most ${MAX_RANDOM_BYTES} bytes per call`);
  }
  return randomFillSync(new Uint8Array(n));
}

const u64 = () => randomFillSync(new BigUint64Array(1))[0]!;

/** Import object entries, keyed as jco's generated code looks them up (no version). */
export function wasiImports(): Record<string, object> {
  const stdout = new OutputStream();
  const stderr = new OutputStream();
  const stdin = new InputStream();
  return {
    'wasi:cli/stdout': { getStdout: () => stdout },
    'wasi:cli/stderr': { getStderr: () => stderr },
    'wasi:cli/stdin': { getStdin: () => stdin },
    'wasi:cli/environment': {
      getEnvironment: () => [],
      getArguments: () => [],
      initialCwd: () => undefined,
    },
    'wasi:cli/exit': {
      exit() {
        throw new Error('the guest called wasi:cli/exit');
      },
    },
    'wasi:clocks/monotonic-clock': {
      now: monotonicNow,
      resolution: () => 1n,
      subscribeInstant: (at: bigint) => new Pollable(at),
      subscribeDuration: (ns: bigint) => new Pollable(monotonicNow() + ns),
    },
    'wasi:clocks/wall-clock': {
      now: () => {
        const ms = Date.now();
        return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1_000_000 };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1_000_000 }),
    },
    'wasi:io/error': { Error: WasiError },
    'wasi:io/poll': { Pollable, poll },
    'wasi:io/streams': { InputStream, OutputStream },
    'wasi:random/random': { getRandomBytes: randomBytes, getRandomU64: u64 },
    'wasi:random/insecure': { getInsecureRandomBytes: randomBytes, getInsecureRandomU64: u64 },
    'wasi:random/insecure-seed': { insecureSeed: () => [u64(), u64()] },
  };
}

/** Interfaces a component may import; anything else (filesystem, sockets, http…) is refused at load. */
export const WASI_INTERFACES: ReadonlySet<string> = new Set(Object.keys(wasiImports()));
