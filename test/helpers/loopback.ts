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
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
