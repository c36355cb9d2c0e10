import { fileURLToPath } from 'node:url';
import { startNode } from '@annex/test-support';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

export interface CliResult {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs the built `annex` binary as a user would, with only the given environment. */
export async function annex(args: string[], env: Record<string, string>, cwd?: string): Promise<CliResult> {
  const proc = startNode(bin, env, args, cwd);
  const code = await proc.exited;
  return { code, stdout: proc.stdout(), stderr: proc.stderr() };
}
