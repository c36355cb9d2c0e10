#!/usr/bin/env node
// Stable entry for the `annex` bin: exists before the first build, so installs link it cleanly.
await import('../dist/bin.js');
