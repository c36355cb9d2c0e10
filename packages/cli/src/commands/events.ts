import type { EventDetail } from '@annex/client';
import type { Command } from 'commander';
import { CliError, EXIT, type Output } from '../output.js';
import { explainApiError } from '../registry-connection.js';
import { connectTenant, withTenantOptions, type TenantOptions } from '../tenant-connection.js';

interface PublishOptions extends TenantOptions {
  payload?: string;
  id?: string;
}

function parsePayload(text: string | undefined): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(
      `--payload must be JSON (got ${JSON.stringify(text.slice(0, 40))})`,
      EXIT.usage,
      'USAGE',
    );
  }
}

function describeEvent(event: EventDetail): string {
  const head = `event ${event.id} (${event.topic}), received ${event.receivedAt}`;
  const lines = event.deliveries.map((d) =>
    [
      `  ${d.extension.slug}${d.handler ? ` → ${d.handler}` : ''}`,
      d.status,
      `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`,
      d.lastStatus === null ? '' : `last ${d.lastStatus}${d.lastError ? ` ${d.lastError}` : ''}`,
      d.nextAttemptAt ? `next at ${d.nextAttemptAt}` : '',
    ]
      .filter(Boolean)
      .join('  '),
  );
  return [head, ...(lines.length > 0 ? lines : ['  no deliveries'])].join('\n');
}

/** `annex events publish|show`: post an event for a tenant, and see where it went (docs/events.md). */
export function registerEventVerbs(program: Command, output: () => Output): void {
  const events = program
    .command('events')
    .description('post events to subscribed extensions and follow them');

  withTenantOptions(events.command('publish <topic>'))
    .description(
      'post an event: delivered to every enabled install subscribed to the topic whose filter matches',
    )
    .option('--payload <json>', 'the payload, any JSON (default {})')
    .option(
      '--id <id>',
      'the event id, unique per tenant (default: generated); posting it again queues nothing',
    )
    .action(async (topic: string, opts: PublishOptions) => {
      const payload = parsePayload(opts.payload);
      const { api } = connectTenant(opts);
      const result = await api.events
        .publish({ topic, payload, ...(opts.id ? { id: opts.id } : {}) })
        .catch(explainApiError);
      const queued = `${result.deliveries} deliver${result.deliveries === 1 ? 'y' : 'ies'}`;
      output().result(
        result,
        result.duplicate
          ? `event ${result.id} was already received (${result.topic}, ${queued}): nothing new queued`
          : `event ${result.id} (${result.topic}): ${queued} queued`,
      );
    });

  withTenantOptions(events.command('show <id>'))
    .description('an event and its deliveries: pending, delivered or failed, with attempts')
    .action(async (id: string, opts: TenantOptions) => {
      const { api } = connectTenant(opts);
      const event = await api.events.get(id).catch(explainApiError);
      output().result(event, describeEvent(event));
    });
}
