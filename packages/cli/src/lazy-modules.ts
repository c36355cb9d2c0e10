/**
 * The heavy packages, loaded only by the verbs that use them: `annex --help` or `annex ls` should not
 * pay for the bundle validator, the database drivers or the component toolchain.
 */
export const loadBundle = () => import('@annex/bundle');
export const loadDb = () => import('@annex/db');
export const loadConfigModule = () => import('@annex/config');
