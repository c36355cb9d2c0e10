import type { Config } from '@annex/config';
import type { Database } from '@annex/db';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { defaultAddressPolicy } from '../egress/forbidden-addresses.js';
import { systemResolver } from '../egress/pinned-address.js';
import { withTestExemptions, type UnsafeTestOnlyEgress } from '../egress/test-only-egress.js';
import type { RunnerLimits } from '../runner-limits.js';
import type { HostInterface, HostService } from './factor.js';
import { httpService } from './http/http-service.js';
import { createKvStore } from './kv/kv-store.js';
import { kvService } from './kv/kv-service.js';
import { secretsService } from './secrets/secrets-service.js';

export interface HostServiceDeps {
  config: Config;
  db: Kysely<Database>;
  limits: RunnerLimits;
  log: FastifyBaseLogger;
  unsafeTestOnlyEgress?: UnsafeTestOnlyEgress | undefined;
}

/** Main thread: the services behind the bridged interfaces, by interface name. */
export function hostServices(deps: HostServiceDeps): Map<HostInterface, HostService> {
  const testing = deps.unsafeTestOnlyEgress;
  const services = [
    secretsService(deps.config.keks),
    kvService(createKvStore(deps.db, deps.limits.kv), deps.log),
    httpService({
      ceiling: deps.config.egressCeiling,
      limits: deps.limits.http,
      resolver: testing?.resolve ?? systemResolver,
      addressPolicy: withTestExemptions(defaultAddressPolicy, testing?.publicAddresses),
    }),
  ];
  return new Map(services.map((s) => [s.name, s]));
}
