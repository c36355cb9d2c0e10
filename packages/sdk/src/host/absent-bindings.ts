import type { HostBindings } from './host-bindings.js';

// What '#host-bindings' resolves to outside a component: no host to call.
export const hostBindings: HostBindings | undefined = undefined;
