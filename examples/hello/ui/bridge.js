// Calls the extension's own API through the host application that frames this page. The iframe
// holds no credentials: it posts the request to its parent, which calls the gateway
// (/api/ext/{ext}/{path}) with the tenant's session and posts the answer back.
//
//   to parent:   { type: 'annex:request', id, method, path, headers?, body? }    body: a string
//   from parent: { type: 'annex:response', id, status, headers, body }          or { …, id, error }

const pending = new Map();
let nextId = 1;

window.addEventListener('message', (event) => {
  // Only the frame's parent may answer, whatever its origin: the runner's frame-ancestors policy
  // already restricts who can frame this page.
  if (event.source !== window.parent) return;
  const msg = event.data;
  if (!msg || msg.type !== 'annex:response' || !pending.has(msg.id)) return;
  const { resolve, reject, timer } = pending.get(msg.id);
  pending.delete(msg.id);
  window.clearTimeout(timer);
  if (msg.error) reject(new Error(msg.error));
  else resolve({ status: msg.status, headers: msg.headers ?? {}, body: msg.body ?? '' });
});

export function isFramed() {
  return window.parent !== window;
}

/** Resolves with `{ status, headers, body }`; rejects when the host does not answer in time. */
export function request(method, path, { json, timeoutMs = 10000 } = {}) {
  if (!isFramed()) return Promise.reject(new Error('Open this page inside the host application.'));
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
    window.parent.postMessage(message, '*');
  });
}

/** request() for JSON APIs: the parsed body, or an Error carrying the API's error message. */
export async function requestJson(method, path, options) {
  const res = await request(method, path, options);
  const data = res.body ? JSON.parse(res.body) : undefined;
  if (res.status >= 400) throw new Error(data?.error?.message ?? `${method} ${path}: HTTP ${res.status}`);
  return data;
}
