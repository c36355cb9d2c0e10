/** One start-up failure listing every bad variable, so an operator fixes them in one pass. */
export class ConfigError extends Error {
  readonly problems: readonly { variable: string; message: string }[];

  constructor(problems: { variable: string; message: string }[]) {
    const lines = problems.map((p) => `  ${p.variable}: ${p.message}`);
    super(
      `Invalid configuration (${problems.length} variable${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
