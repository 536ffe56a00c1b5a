/**
 * `Expect: 100-continue` (the AWS SDK sends it for bodies of 2 MiB or more): a `node:http` client
 * sends the request head, then waits for `100 Continue` before it writes the body.
 */
import { getRawRequest } from '@mswjs/interceptors';

/** The interim response a server sends to let the client write its body. */
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

/**
 * Whether the client waits for `100 Continue` before sending the body.
 *
 * @example
 * expectsContinue(new Request('http://a.test', { method: 'PUT', headers: { expect: '100-continue' }, body: 'x' })) // true
 */
export function expectsContinue(request: Request): boolean {
  return request.body !== null && request.headers.get('expect')?.trim().toLowerCase() === '100-continue';
}

/** What reeltape uses of the interceptor's `http.ClientRequest`: its (mock) socket, its end and close. */
interface WithSocket {
  socket?: { push?(chunk: Buffer): boolean; destroyed?: boolean } | null;
  writableEnded?: boolean;
  once?(event: 'close', listener: () => void): unknown;
}

/**
 * Sends `100 Continue` to a `node:http` client whose request the ClientRequest interceptor holds,
 * by pushing it on the client side of the interceptor's mock socket: the client's parser emits
 * `'continue'` and the client writes its body, which reeltape then reads to match. (The
 * interceptor's own response parser sees the 100 too and reports it as a response; 1xx responses
 * are skipped there.) Returns false when the request is not such a request (fetch, msw 3's sockets).
 *
 * @example
 * if (expectsContinue(request) && sendContinue(request)) await readBodyAndMatch(request);
 */
export function sendContinue(request: Request): boolean {
  return pushContinue((getRawRequest(request) as WithSocket | undefined)?.socket);
}

/**
 * Pushes `100 Continue` on the client side of a mock socket (0.41's, or msw 3's raw socket): the
 * client's parser reads it as if the server had sent it. False when `socket` is not such a socket.
 *
 * @example
 * pushContinue(clientRequest.socket);
 */
export function pushContinue(socket: WithSocket['socket'] | undefined): boolean {
  if (typeof socket?.push !== 'function' || socket.destroyed) return false;
  socket.push(CONTINUE);
  return true;
}

/**
 * Resolves when a `node:http` request closes without its client having ended the body (the server
 * answered without `100 Continue`, e.g. `417` or `401`, and the client never sent the body): a
 * reader of the body stops waiting then. Never resolves for other requests.
 *
 * @example
 * await recordRequest(request, spill, bodyAbandoned(request));
 */
export function bodyAbandoned(request: Request): Promise<void> {
  const raw = getRawRequest(request) as WithSocket | undefined;
  if (typeof raw?.once !== 'function') return new Promise<void>(() => undefined);
  return new Promise<void>((resolve) => {
    raw.once?.('close', () => {
      if (!raw.writableEnded) resolve();
    });
  });
}

/**
 * Removes `Expect: 100-continue` from a request that already got reeltape's `100 Continue` and is
 * then passed through: the server would send a second `100`, and the client would write its body
 * twice. (The interceptor rebuilds the head it sends from `request.headers`.)
 *
 * @example
 * if (continued) dropExpect(request);
 */
export function dropExpect(request: Request): void {
  request.headers.delete('expect');
}

/**
 * 1xx statuses other than `101 Switching Protocols`: interim responses (`100 Continue`, `103 Early
 * Hints`) that a final response follows. They are never recorded as the response.
 *
 * @example
 * isInterim(100) // true
 */
export function isInterim(status: number): boolean {
  return status >= 100 && status < 200 && status !== 101;
}
