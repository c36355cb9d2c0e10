// Calls the extension's own API through the host application that frames this page. The iframe
// holds no credentials: the host calls the gateway (/api/ext/{ext}/{path}) with the tenant's
// session and answers over a private MessageChannel.
//
// Handshake (see packages/sdk/README.md, "UI bridge"):
//   frame → parent:  { type: 'annex:hello', version: 1 }                 targetOrigin: ?parentOrigin= or '*'
//   parent → frame:  { type: 'annex:welcome', version: 1 } + [MessagePort] (only the first one counts)
//   over the port:   { type: 'annex:request', id, method, path, headers?, body? }      body: a string
//                    { type: 'annex:response', id, status, headers, body }  or  { …, id, error }
//
// The frame runs in <iframe sandbox="allow-scripts"> without allow-same-origin, so its origin is
// opaque ("null") and the host cannot target it by origin; it checks `event.source` instead. This
// side accepts the welcome only from `window.parent`, only once, and, when the host put its origin
// in the `parentOrigin` query parameter, only from that origin (the hello is then delivered to
// that origin only). After the handshake nothing arrives over `window` messages: requests and
// answers use the transferred port, which no other window can reach.

const HANDSHAKE_TIMEOUT_MS = 5000;
const expectedOrigin = new URLSearchParams(window.location.search).get('parentOrigin');
const pending = new Map();
let nextId = 1;
let connecting;

export function isFramed() {
  return window.parent !== window;
}

/** Resolves with the host's MessagePort once the handshake completed; rejects when it cannot. */
export function connect() {
  connecting ??= new Promise((resolve, reject) => {
    if (!isFramed()) {
      reject(new Error('Open this page inside the host application.'));
      return;
    }
    const timer = window.setTimeout(() => {
      window.removeEventListener('message', onWelcome);
      reject(new Error('The host application did not answer the bridge handshake.'));
    }, HANDSHAKE_TIMEOUT_MS);
    function onWelcome(event) {
      if (event.source !== window.parent) return;
      if (expectedOrigin && event.origin !== expectedOrigin) return;
      const msg = event.data;
      if (!msg || msg.type !== 'annex:welcome' || msg.version !== 1 || event.ports.length !== 1) return;
      window.removeEventListener('message', onWelcome);
      window.clearTimeout(timer);
      const port = event.ports[0];
      port.onmessage = (answer) => settle(answer.data);
      resolve(port);
    }
    window.addEventListener('message', onWelcome);
    window.parent.postMessage({ type: 'annex:hello', version: 1 }, expectedOrigin ?? '*');
  });
  return connecting;
}

function settle(msg) {
  if (!msg || msg.type !== 'annex:response' || !pending.has(msg.id)) return;
  const { resolve, reject, timer } = pending.get(msg.id);
  pending.delete(msg.id);
  window.clearTimeout(timer);
  if (msg.error) reject(new Error(msg.error));
  else resolve({ status: msg.status, headers: msg.headers ?? {}, body: msg.body ?? '' });
}

/** Resolves with `{ status, headers, body }`; rejects when the host does not answer in time. */
export async function request(method, path, { json, timeoutMs = 10000 } = {}) {
  const port = await connect();
  const id = nextId++;
  const message = { type: 'annex:request', id, method, path };
  if (json !== undefined) {
    message.headers = { 'content-type': 'application/json' };
    message.body = JSON.stringify(json);
  }
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(() => {
      pending.delete(id);
      reject(new Error(`${method} ${path}: no answer from the host`));
    }, timeoutMs);
    pending.set(id, { resolve, reject, timer });
    port.postMessage(message);
  });
}

/** request() for JSON APIs: the parsed body, or an Error carrying the API's error message. */
export async function requestJson(method, path, options) {
  const res = await request(method, path, options);
  const data = res.body ? JSON.parse(res.body) : undefined;
  if (res.status >= 400) throw new Error(data?.error?.message ?? `${method} ${path}: HTTP ${res.status}`);
  return data;
}
