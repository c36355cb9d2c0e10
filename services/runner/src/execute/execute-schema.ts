import Type, { type Static } from 'typebox';

/** SPEC section 2: tenant ids. */
const TENANT_ID = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$';
const CONTENT_HASH = '^(sha256:)?[0-9a-fA-F]{64}$';
const ID = Type.String({ minLength: 1, maxLength: 128 });
const FieldValues = Type.Record(
  Type.String({ maxLength: 8192 }),
  Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 1000 })]),
);
const Limit = Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]));
const QuotaLimits = Type.Object({
  invocations_per_minute: Limit,
  cpu_ms_per_minute: Limit,
  mem_mb_ms_per_minute: Limit,
  egress_bytes_per_minute: Limit,
});
const OptionalText = Type.Optional(Type.Union([Type.String({ maxLength: 1024 }), Type.Null()]));

/**
 * The execute envelope of SPEC section 6 (Alga-style, snake_case). Unknown fields are allowed, so
 * gateways of that design that send more still work; every field the runner reads is checked.
 */
export const ExecuteEnvelopeSchema = Type.Object({
  context: Type.Object({
    request_id: Type.String({ minLength: 1, maxLength: 128 }),
    tenant_id: Type.String({ pattern: TENANT_ID }),
    extension_id: ID,
    install_id: ID,
    version_id: Type.Optional(Type.Union([ID, Type.Null()])),
    version: Type.String({ maxLength: 256 }),
    content_hash: Type.String({ pattern: CONTENT_HASH }),
    config: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
    /** Set on event deliveries: the tenant's event id. */
    event_id: Type.Optional(Type.Union([ID, Type.Null()])),
  }),
  http: Type.Object({
    method: Type.String({ pattern: '^[A-Za-z]{1,16}$' }),
    path: Type.String({ pattern: '^/', maxLength: 8192 }),
    query: Type.Optional(Type.Union([FieldValues, Type.Null()])),
    headers: Type.Optional(Type.Union([FieldValues, Type.Null()])),
    body_b64: Type.Optional(Type.Union([Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$' }), Type.Null()])),
  }),
  limits: Type.Optional(
    Type.Union([
      Type.Object({
        timeout_ms: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
        memory_mb: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
        // Per-minute quotas of the install (0: unlimited); a missing one is the platform default.
        quota: Type.Optional(Type.Union([QuotaLimits, Type.Null()])),
      }),
      Type.Null(),
    ]),
  ),
  providers: Type.Optional(
    Type.Union([Type.Array(Type.String({ maxLength: 128 }), { maxItems: 64 }), Type.Null()]),
  ),
  egress: Type.Optional(
    Type.Union([Type.Array(Type.String({ maxLength: 300 }), { maxItems: 256 }), Type.Null()]),
  ),
  secret_envelope: Type.Optional(
    Type.Union([
      Type.Object({
        ciphertext_b64: Type.String({ maxLength: 4 * 1024 * 1024 }),
        key_id: Type.String({ minLength: 1, maxLength: 64 }),
      }),
      Type.Null(),
    ]),
  ),
  user: Type.Optional(
    Type.Union([
      Type.Object({
        user_id: Type.String({ maxLength: 256 }),
        user_email: OptionalText,
        user_name: OptionalText,
        user_type: OptionalText,
      }),
      Type.Null(),
    ]),
  ),
});

export type ExecuteEnvelope = Static<typeof ExecuteEnvelopeSchema>;

export const ExecuteAnswerSchema = Type.Object({
  status: Type.Integer(),
  headers: Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())])),
  body_b64: Type.Union([Type.String(), Type.Null()]),
  metrics: Type.Object({
    duration_ms: Type.Number(),
    memory_bytes: Type.Integer(),
    egress_bytes: Type.Integer(),
    cold: Type.Boolean(),
  }),
});

export type ExecuteAnswer = Static<typeof ExecuteAnswerSchema>;

export const WarmupBodySchema = Type.Object({
  content_hash: Type.String({ pattern: CONTENT_HASH }),
  memory_mb: Type.Optional(Type.Integer({ minimum: 1 })),
});
