#!/usr/bin/env node
import { runStandalone } from '@annex/server';
import { buildRegistryApp } from './app.js';

await runStandalone('registry', (config, resources) => buildRegistryApp({ config, resources }));
