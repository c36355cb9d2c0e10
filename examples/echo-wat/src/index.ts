export { buildEchoComponent, echoWatPath } from './build-echo-component.js';
export { ECHO_CONTENT_TYPE, decodeEchoFrame, encodeEchoFrame } from './echo-frame.js';
