export {
  buildComponent,
  DEFAULT_DISABLED_FEATURES,
  type BuildComponentOptions,
  type BuildComponentResult,
  type EngineFeature,
} from './build-component.js';
export { bundleGuest, type GuestBundle } from './bundle-guest.js';
