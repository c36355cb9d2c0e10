/**
 * Which subscriptions an event reaches (docs/events.md): pure functions over a manifest's
 * `events[].topic` and `events[].filter` and a posted event's topic and payload.
 */

/**
 * Whether a manifest topic matches an event's topic. `*` in the manifest topic matches any run of
 * characters, none included and across `.`, `/` and `:` (`ticket.*` matches `ticket.created` and
 * `ticket.comment.added`, `crm.*.created` matches `crm.contact.created`); everything else matches
 * itself, case sensitively. Event topics never contain `*` (and manifest topics start with a
 * letter or digit, so no pattern matches every topic).
 */
export function topicMatches(pattern: string, topic: string): boolean {
  // Glob matching with one backtrack point (the last `*`): linear for patterns of one `*`,
  // O(pattern × topic) at worst, and topics are at most 256 characters.
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < topic.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.length && pattern[p] === topic[t]) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** A filter as the matcher uses it: dotted payload path → expected value, or an array of allowed values. */
export type EventFilter = Record<string, unknown>;

/**
 * The filter a subscription holds, as an object: null when there is none (everything matches),
 * undefined when it is unusable (a string that is not a JSON object: nothing matches).
 */
export function parseFilter(filter: unknown): EventFilter | null | undefined {
  if (filter === null || filter === undefined) return null;
  if (typeof filter === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(filter);
    } catch {
      return undefined;
    }
    return isPlainObject(parsed) ? parsed : undefined;
  }
  return isPlainObject(filter) ? filter : undefined;
}

/**
 * The value at a dotted path of the payload (`ticket.priority`, `items.0.sku`): object keys, and
 * array indexes written as numbers. `found` is false when any step is missing.
 */
export function valueAt(payload: unknown, path: string): { found: boolean; value?: unknown } {
  let current: unknown = payload;
  for (const step of path.split('.')) {
    if (Array.isArray(current)) {
      if (!/^(?:0|[1-9]\d*)$/.test(step) || Number(step) >= current.length) return { found: false };
      current = current[Number(step)];
    } else if (isPlainObject(current) && Object.prototype.hasOwnProperty.call(current, step)) {
      current = current[step];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}

/**
 * Whether a payload passes a subscription's filter: every key of the filter must match. A key is a
 * dotted path into the payload; its value is the expected value (compared as JSON: deep and exact,
 * `1` is not `"1"`), or an array of allowed values (any one may match; to expect an array value,
 * wrap it: `[[1, 2]]`). A path missing from the payload never matches. No filter matches every
 * payload; an empty object too; a string filter is parsed as JSON first and, when that fails or
 * gives no object, matches nothing.
 */
export function filterMatches(filter: unknown, payload: unknown): boolean {
  const parsed = parseFilter(filter);
  if (parsed === undefined) return false;
  if (parsed === null) return true;
  for (const [path, expected] of Object.entries(parsed)) {
    const { found, value } = valueAt(payload, path);
    if (!found) return false;
    const allowed = Array.isArray(expected) ? expected : [expected];
    if (!allowed.some((candidate) => jsonEqual(candidate, value))) return false;
  }
  return true;
}

/** Deep equality of JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && jsonEqual(a[key], b[key]))
    );
  }
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A subscription as matching needs it. */
export interface SubscriptionRule {
  topic: string;
  filter: unknown;
}

/** Whether an event (topic, payload) reaches a subscription. */
export function subscriptionMatches(rule: SubscriptionRule, topic: string, payload: unknown): boolean {
  return topicMatches(rule.topic, topic) && filterMatches(rule.filter, payload);
}
