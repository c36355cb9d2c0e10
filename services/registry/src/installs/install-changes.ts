/** One install's identity, as caches key it. */
export interface InstallChange {
  tenantId: string;
  extensionId: string;
  slug: string;
}

/**
 * Tells whoever caches install state (the gateway's install cache) that an install changed: its
 * version, grants, config, status or secrets, or that it was created or removed. In-process only;
 * other instances notice within their cache's TTL (docs/gateway.md).
 */
export interface InstallChanges {
  publish(change: InstallChange): void;
  subscribe(listener: (change: InstallChange) => void): () => void;
}

export function createInstallChanges(): InstallChanges {
  const listeners = new Set<(change: InstallChange) => void>();
  return {
    publish(change) {
      for (const listener of listeners) listener(change);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
