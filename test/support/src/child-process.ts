import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait-for.js';

export interface RunningProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** Waits until stdout matches; returns the match. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `node script` with `env` (on top of PATH only, so the developer's variables never leak in). */
export function startNode(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
  cwd?: string,
): RunningProcess {
  const child = spawn(process.execPath, [script, ...args], {
    ...(cwd ? { cwd } : {}),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput: (pattern, timeoutMs = 30_000) =>
      waitFor(
        () => {
          const match = out.match(pattern);
          if (match) return match;
          if (done) throw new Error(`process exited before printing ${pattern}; stderr: ${err.slice(-2000)}`);
          return undefined;
        },
        { timeoutMs, what: `output ${pattern}` },
      ),
    kill: (signal = 'SIGTERM') => {
      if (!done) child.kill(signal);
    },
  };
}
