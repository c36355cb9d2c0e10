import { Socket } from 'node:net';

/** The Redis tests use: ANNEX_TEST_REDIS_URL, else the local one. */
export const TEST_REDIS_URL = process.env.ANNEX_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether something accepts TCP connections at the URL's host and port (tests skip without Redis). */
export async function tcpReachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const socket = new Socket();
  try {
    return await new Promise<boolean>((resolve) => {
      socket.setTimeout(1000);
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => resolve(false));
      socket.connect(Number(port || 6379), hostname);
    });
  } finally {
    socket.destroy();
  }
}
