export { buildRunnerApp, type RunnerAppOptions } from './app.js';
