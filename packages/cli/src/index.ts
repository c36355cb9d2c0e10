export { buildProgram, runCli } from './program.js';
export { CliError, EXIT } from './output.js';
