import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server listening on 127.0.0.1 (see {@link listenOnLoopback}). */
export interface LoopbackListener {
  /** The port the system chose. */
  readonly port: number;
  /** Stops listening and destroys open (keep-alive) connections; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts `server` (http or https) on 127.0.0.1 with a port the system chooses — the only address tests
 * may use — and gives a `close` that does not wait for idle keep-alive sockets.
 *
 * @example
 * const { port, close } = await listenOnLoopback(http.createServer(handler));
 */
export async function listenOnLoopback(server: Server): Promise<LoopbackListener> {
  const port = await listenAt(server);
  let closed: Promise<void> | undefined;
  return {
    port,
    close() {
      closed ??= closeServer(server);
      return closed;
    },
  };
}

/**
 * Starts `server` on 127.0.0.1 at `port` (0: the system chooses) and resolves the port. A record →
 * replay test listens again at the same port with a counting server, to prove replay sent nothing.
 *
 * @example
 * const port = await listenAt(live.server); await closeServer(live.server); await listenAt(counting.server, port);
 */
export async function listenAt(server: Server, port = 0): Promise<number> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/**
 * Stops `server` without waiting for idle keep-alive sockets (they are destroyed).
 *
 * @example
 * await closeServer(server);
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
