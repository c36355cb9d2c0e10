/**
 * Manifest v2 (SPEC section 3) as a TypeBox schema: the shape and the simple formats. Rules that
 * need code (SemVer, egress parsing, endpoint paths, uniqueness, the config JSON Schema) live in
 * validate-manifest.ts. Objects are closed so a typo (`capabilites`) is an error, not ignored;
 * the free-form parts are `ui.hooks`, `events[].filter` and `config`.
 */
import Type, { type Static } from 'typebox';
import type { Capability } from './capabilities.js';

export const PUBLISHER_PATTERN = '^[a-z0-9][a-z0-9-]{0,38}$';
export const NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,63}$';
/** Like environment variable names, so guests and operators can spell them the same everywhere. */
export const SECRET_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,127}$';
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const MANIFEST_RUNTIME = 'wasm-component@1';
export const DEFAULT_ENTRY = 'dist/main.wasm';

const Text = (maxLength: number) => Type.String({ maxLength });
const Identifier = Type.String({ minLength: 1, maxLength: 128 });
const RelativePath = Type.String({ minLength: 1, maxLength: 1024 });

export const EndpointSchema = Type.Object(
  {
    method: Type.Enum([...HTTP_METHODS]),
    path: Type.String({ minLength: 1, maxLength: 1024 }),
    handler: Type.Optional(Identifier),
  },
  { additionalProperties: false },
);

export const UiSchema = Type.Object(
  {
    type: Type.Literal('iframe'),
    entry: RelativePath,
    hooks: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

export const EventSchema = Type.Object(
  {
    topic: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:/*-]{0,255}$' }),
    handler: Type.Optional(Identifier),
    filter: Type.Optional(
      Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.String({ maxLength: 4096 })]),
    ),
  },
  { additionalProperties: false },
);

export const SecretSchema = Type.Object(
  {
    name: Type.String({ pattern: SECRET_NAME_PATTERN }),
    description: Type.Optional(Text(1024)),
    required: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const LimitsSchema = Type.Object(
  {
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
    memoryMb: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_536 })),
  },
  { additionalProperties: false },
);

export const ManifestSchema = Type.Object(
  {
    /** Editors read it for completion; carried, never interpreted. */
    $schema: Type.Optional(Type.String({ maxLength: 2048 })),
    name: Type.String({ pattern: NAME_PATTERN }),
    publisher: Type.String({ pattern: PUBLISHER_PATTERN }),
    version: Type.String({ minLength: 1, maxLength: 256 }),
    displayName: Type.Optional(Text(128)),
    description: Type.Optional(Text(4096)),
    homepage: Type.Optional(Text(2048)),
    license: Type.Optional(Text(256)),
    runtime: Type.Optional(Type.Literal(MANIFEST_RUNTIME)),
    entry: Type.Optional(RelativePath),
    capabilities: Type.Optional(Type.Array(Type.String(), { maxItems: 64 })),
    egress: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 256 })),
    api: Type.Optional(
      Type.Object(
        { endpoints: Type.Array(EndpointSchema, { maxItems: 1024 }) },
        { additionalProperties: false },
      ),
    ),
    ui: Type.Optional(UiSchema),
    events: Type.Optional(Type.Array(EventSchema, { maxItems: 256 })),
    config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    secrets: Type.Optional(Type.Array(SecretSchema, { maxItems: 256 })),
    limits: Type.Optional(LimitsSchema),
    sbom: Type.Optional(RelativePath),
  },
  { additionalProperties: false },
);

/** A manifest as written by a publisher. */
export type ManifestInput = Static<typeof ManifestSchema>;

/** A validated manifest: `runtime` and `entry` always present (defaults applied). */
export type Manifest = Omit<ManifestInput, 'runtime' | 'entry' | 'capabilities'> & {
  runtime: typeof MANIFEST_RUNTIME;
  entry: string;
  capabilities?: Capability[];
};

export type ManifestEndpoint = Static<typeof EndpointSchema>;
export type ManifestUi = Static<typeof UiSchema>;
export type ManifestEvent = Static<typeof EventSchema>;
export type ManifestSecret = Static<typeof SecretSchema>;
export type ManifestLimits = Static<typeof LimitsSchema>;

export const MANIFEST_FIELDS: readonly string[] = Object.keys(ManifestSchema.properties);
