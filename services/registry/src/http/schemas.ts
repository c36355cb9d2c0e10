import Type from 'typebox';

/** Schema pieces shared by route files (OpenAPI is generated from these). */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { description: 'Every error: a stable code and a human sentence' },
);

export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const PUBLISHER_PATTERN = '^[a-z0-9][a-z0-9-]{0,38}$';
export const NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,63}$';
export const TENANT_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$';

/** `{ext}`: an extension id (UUID) or slug (`publisher.name`). */
export const ExtensionParam = Type.String({
  minLength: 1,
  maxLength: 128,
  description: 'extension id (UUID) or slug `publisher.name`',
});

export const errorResponses = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
};
