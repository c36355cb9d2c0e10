/** How a verb reports: human text, or one JSON document on stdout with `--json`. */
export interface Output {
  json: boolean;
  /** The verb's result: printed as JSON with --json, else as the human text. */
  result(value: unknown, human: string): void;
  /** Progress and notes for people; silent with --json (stdout stays one document). */
  info(message: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result: (value, human) => {
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
    },
    info: (message) => {
      if (!json) process.stderr.write(`${message}\n`);
    },
  };
}

/** Exit codes: 0 success, 1 the operation failed, 2 bad usage or configuration. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A failure the CLI explains in one line, with what to do next. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    readonly code = 'FAILED',
  ) {
    super(message);
    this.name = 'CliError';
  }
}
