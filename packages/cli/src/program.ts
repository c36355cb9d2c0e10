import { Command, CommanderError } from 'commander';
import { registerBuild } from './commands/build.js';
import { registerCatalogVerbs } from './commands/catalog.js';
import { registerInit } from './commands/init.js';
import { registerInspect } from './commands/inspect.js';
import { registerKeygen } from './commands/keygen.js';
import { registerPack } from './commands/pack.js';
import { registerPublish } from './commands/publish.js';
import { registerSign } from './commands/sign.js';
import { registerVerify } from './commands/verify.js';
import { registerConfigCheck } from './commands/config-check.js';
import { registerObserveVerbs } from './commands/observe.js';
import { registerEventVerbs } from './commands/events.js';
import { registerKeys } from './commands/keys.js';
import { registerLogin } from './commands/login.js';
import { registerMigrate } from './commands/migrate.js';
import { registerInstallVerbs } from './commands/installs.js';
import { registerSecretVerbs } from './commands/secrets.js';
import { CliError, createOutput, EXIT, type Output } from './output.js';

/** The `annex` command: every verb registers itself; `--json` works on all of them. */
export function buildProgram(): Command {
  const program = new Command('annex')
    .description('Annex: publish, install and operate WebAssembly extensions')
    .option('--json', 'print one JSON document instead of text')
    .showHelpAfterError()
    .exitOverride();
  const output = (): Output => createOutput(Boolean(program.opts().json));
  registerInit(program, output);
  registerBuild(program, output);
  registerKeygen(program, output);
  registerPack(program, output);
  registerSign(program, output);
  registerVerify(program, output);
  registerInspect(program, output);
  registerLogin(program, output);
  registerPublish(program, output);
  registerCatalogVerbs(program, output);
  registerKeys(program, output);
  registerInstallVerbs(program, output);
  registerSecretVerbs(program, output);
  registerObserveVerbs(program, output);
  registerEventVerbs(program, output);
  registerMigrate(program, output);
  registerConfigCheck(program, output);
  return program;
}

/** Runs the CLI and returns the exit code; errors are printed as one line (or a JSON error). */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const json = argv.includes('--json');
    const code = err instanceof CliError ? err.code : 'FAILED';
    const message = (err as Error).message ?? String(err);
    if (json) process.stdout.write(`${JSON.stringify({ error: { code, message } }, null, 2)}\n`);
    else process.stderr.write(`annex: ${message}\n`);
    return err instanceof CliError ? err.exitCode : EXIT.failed;
  }
}
