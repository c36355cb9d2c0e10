import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { principalOf } from '../http/require-role.js';
import {
  errorResponses,
  ExtensionParam,
  NAME_PATTERN,
  Nullable,
  PUBLISHER_PATTERN,
} from '../http/schemas.js';
import type { BundleStore } from '@annex/store';
import { sendBundle } from './bundle-download.js';
import type { CatalogService } from './catalog-service.js';

const Deprecation = Nullable(
  Type.Object({ reason: Type.String(), replacement: Nullable(Type.String()), at: Type.String() }),
);
const Extension = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  publisher: Type.String(),
  name: Type.String(),
  displayName: Nullable(Type.String()),
  description: Nullable(Type.String()),
  latestVersion: Nullable(Type.String()),
  deprecation: Deprecation,
  createdAt: Type.String(),
});
const Signature = Type.Object({
  status: Type.Union([Type.Literal('verified'), Type.Literal('unverified'), Type.Literal('unsigned')]),
  keyId: Nullable(Type.String()),
  signer: Nullable(Type.String()),
});
const Version = Type.Object({
  version: Type.String(),
  contentHash: Type.String(),
  signature: Signature,
  yanked: Type.Boolean(),
  createdAt: Type.String(),
});
const VersionDetail = Type.Intersect([
  Version,
  Type.Object({
    extension: Type.Object({ id: Type.String(), slug: Type.String() }),
    versionId: Type.String(),
    yankReason: Nullable(Type.String()),
    deprecation: Deprecation,
    /** `RUNNER_PUBLIC_BASE/ext-ui/{extensionId}/{contentHash}/{entry}`; null without a UI. */
    uiUrl: Nullable(Type.String()),
    manifest: Type.Object({
      displayName: Nullable(Type.String()),
      description: Nullable(Type.String()),
      capabilities: Type.Array(Type.String()),
      egress: Type.Array(Type.String()),
      endpoints: Type.Array(Type.Unknown()),
      ui: Nullable(Type.Record(Type.String(), Type.Unknown())),
      events: Type.Array(Type.Unknown()),
      config: Nullable(Type.Record(Type.String(), Type.Unknown())),
      secrets: Type.Array(Type.Unknown()),
      limits: Nullable(Type.Record(Type.String(), Type.Unknown())),
    }),
  }),
]);
const ExtParams = Type.Object({ ext: ExtensionParam });
const VersionParams = Type.Object({
  ext: ExtensionParam,
  version: Type.String({ minLength: 1, maxLength: 256 }),
});
const tags = ['catalog'];

/** Catalog routes of SPEC section 5. */
export const catalogRoutes: FastifyPluginAsyncTypebox<{
  catalog: CatalogService;
  store: BundleStore;
}> = async (app, { catalog, store }) => {
  app.post(
    '/v1/extensions',
    {
      schema: {
        tags,
        summary: 'Create an extension under a publisher the key holds',
        body: Type.Object(
          {
            publisher: Type.String({ pattern: PUBLISHER_PATTERN }),
            name: Type.String({ pattern: NAME_PATTERN }),
            displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            description: Type.Optional(Type.String({ maxLength: 4000 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Extension, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await catalog.create(principalOf(request), request.body)),
  );

  app.get(
    '/v1/extensions',
    {
      schema: {
        tags,
        summary: 'List and search extensions (cursor pagination, ordered by slug)',
        querystring: Type.Object(
          {
            q: Type.Optional(Type.String({ maxLength: 200 })),
            publisher: Type.Optional(Type.String({ pattern: PUBLISHER_PATTERN })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
            cursor: Type.Optional(Type.String({ maxLength: 600 })),
            deprecated: Type.Optional(
              Type.Union([Type.Literal('include'), Type.Literal('exclude'), Type.Literal('only')], {
                default: 'include',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(Extension), nextCursor: Nullable(Type.String()) }),
          ...errorResponses,
        },
      },
    },
    async (request) => catalog.list(principalOf(request), request.query),
  );

  app.get(
    '/v1/extensions/:ext',
    {
      schema: {
        tags,
        summary: 'Get an extension by id or slug',
        params: ExtParams,
        response: { 200: Extension, ...errorResponses },
      },
    },
    async (request) => catalog.get(principalOf(request), request.params.ext),
  );

  app.get(
    '/v1/extensions/:ext/versions',
    {
      schema: {
        tags,
        summary: 'Versions, highest SemVer first',
        params: ExtParams,
        response: { 200: Type.Object({ items: Type.Array(Version) }), ...errorResponses },
      },
    },
    async (request) => catalog.versions(principalOf(request), request.params.ext),
  );

  app.get(
    '/v1/extensions/:ext/versions/:version',
    {
      schema: {
        tags,
        summary: 'A version with its manifest summary (`latest` names the latest version)',
        params: VersionParams,
        response: { 200: VersionDetail, ...errorResponses },
      },
    },
    async (request) => catalog.version(principalOf(request), request.params.ext, request.params.version),
  );

  app.get(
    '/v1/extensions/:ext/versions/:version/bundle',
    {
      schema: {
        tags,
        summary: 'Download the bundle (302 to a presigned URL on S3; streamed from the filesystem store)',
        params: VersionParams,
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const version = await catalog.version(principalOf(request), request.params.ext, request.params.version);
      return sendBundle(
        reply,
        store,
        version.contentHash,
        `${version.extension.slug}-${version.version}.tar.zst`,
      );
    },
  );

  app.post(
    '/v1/extensions/:ext/deprecate',
    {
      schema: {
        tags,
        summary: 'Deprecate an extension, optionally naming its replacement',
        params: ExtParams,
        body: Type.Object(
          {
            reason: Type.String({ minLength: 1, maxLength: 2000 }),
            replacement: Type.Optional(ExtensionParam),
          },
          { additionalProperties: false },
        ),
        response: { 200: Extension, ...errorResponses },
      },
    },
    async (request) => catalog.deprecate(principalOf(request), request.params.ext, request.body),
  );

  app.delete(
    '/v1/extensions/:ext/deprecate',
    {
      schema: {
        tags,
        summary: 'Withdraw a deprecation',
        params: ExtParams,
        response: { 200: Extension, ...errorResponses },
      },
    },
    async (request) => catalog.undeprecate(principalOf(request), request.params.ext),
  );

  const YankResult = Type.Intersect([Version, Type.Object({ yankReason: Nullable(Type.String()) })]);
  app.post(
    '/v1/extensions/:ext/versions/:version/yank',
    {
      schema: {
        tags,
        summary: 'Yank a version: installs keep running, new installs refuse it',
        params: VersionParams,
        body: Type.Object(
          { reason: Type.String({ minLength: 1, maxLength: 2000 }) },
          { additionalProperties: false },
        ),
        response: { 200: YankResult, ...errorResponses },
      },
    },
    async (request) =>
      catalog.setYanked(
        principalOf(request),
        request.params.ext,
        request.params.version,
        true,
        request.body.reason,
      ),
  );

  app.delete(
    '/v1/extensions/:ext/versions/:version/yank',
    {
      schema: {
        tags,
        summary: 'Restore a yanked version',
        params: VersionParams,
        response: { 200: YankResult, ...errorResponses },
      },
    },
    async (request) =>
      catalog.setYanked(principalOf(request), request.params.ext, request.params.version, false),
  );
};
