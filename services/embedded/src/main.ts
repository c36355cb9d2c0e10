#!/usr/bin/env node
import { exitOnSignals, failStartup } from '@annex/server';
import { banner, startEmbedded } from './start-embedded.js';

try {
  const platform = await startEmbedded();
  process.stdout.write(banner(platform));
  exitOnSignals({ logger: platform.registry.log, steps: [() => platform.close()] });
} catch (err) {
  failStartup(err);
}
