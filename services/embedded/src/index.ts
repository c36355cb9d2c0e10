export { startEmbedded, banner, type EmbeddedPlatform } from './start-embedded.js';
