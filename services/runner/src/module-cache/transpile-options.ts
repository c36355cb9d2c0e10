/** jco options of every transpile; they change the output, so they are part of the cache key. */
export const TRANSPILE_OPTIONS = {
  name: 'component',
  instantiation: 'sync',
  // Every core module as a file: an inlined module would escape the memory patch.
  base64Cutoff: 0,
  emitTypescriptDeclarations: false,
  minify: false,
  optimize: false,
  tracing: false,
} as const;
