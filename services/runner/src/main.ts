#!/usr/bin/env node
import { runStandalone } from '@annex/server';
import { buildRunnerApp } from './app.js';

await runStandalone('runner', (config, resources) => buildRunnerApp({ config, resources }));
