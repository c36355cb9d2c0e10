export { buildRegistryApp, type RegistryAppOptions } from './app.js';
