import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ExecuteEnvelope } from '@annex/registry';
import type { Test } from 'tap';

/** What the stub received on one `POST /v1/execute`. */
export interface StubCall {
  headers: IncomingHttpHeaders;
  envelope: ExecuteEnvelope;
}

/** How the stub answers: an execute answer, a runner error, or no answer at all (a slow runner). */
export type StubAnswer =
  | { guest: { status: number; headers?: Record<string, string | string[]>; body?: string | Buffer } }
  | { status: number; body: unknown; headers?: Record<string, string> }
  | { hang: true };

export interface RunnerStub {
  url: string;
  calls: StubCall[];
  /** Sets how the next calls are answered (default: guest 200 echoing the request). */
  answer(fn: (call: StubCall) => StubAnswer): void;
}

const echo = (call: StubCall): StubAnswer => ({
  guest: {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path: call.envelope.http.path, method: call.envelope.http.method }),
  },
});

/**
 * A stand-in for the runner (named a stub: it runs nothing) on a real loopback port: it records
 * every execute request it receives and answers as the test says. Until the real runner exists,
 * gateway tests run against this.
 */
export async function startRunnerStub(t: Test): Promise<RunnerStub> {
  const calls: StubCall[] = [];
  let respond = echo;
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call: StubCall = { headers: req.headers, envelope: JSON.parse(Buffer.concat(chunks).toString()) };
      calls.push(call);
      const answer = respond(call);
      if ('hang' in answer) {
        hanging.add(res);
        return;
      }
      if ('guest' in answer) {
        const body =
          answer.guest.body === undefined ? null : Buffer.from(answer.guest.body).toString('base64');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            status: answer.guest.status,
            headers: answer.guest.headers ?? {},
            body_b64: body,
            metrics: { duration_ms: 1, memory_bytes: 1024, egress_bytes: 0, cold: false },
          }),
        );
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    for (const res of hanging) res.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    answer: (fn) => {
      respond = fn;
    },
  };
}

/** A loopback URL nothing listens on (a runner that is down). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
