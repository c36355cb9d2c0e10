import * as config from 'annex:extension/config@0.1.0';
import * as context from 'annex:extension/context@0.1.0';
import * as http from 'annex:extension/http@0.1.0';
import * as kv from 'annex:extension/kv@0.1.0';
import * as logging from 'annex:extension/logging@0.1.0';
import * as secrets from 'annex:extension/secrets@0.1.0';
import type { HostBindings } from './host-bindings.js';

// What '#host-bindings' resolves to when bundled for a component (the `annex-guest` condition):
// componentize-js provides these modules from the world's imports. Importing every interface costs
// nothing when an extension uses only some: the runner links all of them anyway (denial stubs for
// capabilities the install was not granted).
export const hostBindings: HostBindings | undefined = { config, context, http, kv, logging, secrets };
