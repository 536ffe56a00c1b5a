/**
 * Recording `node:http`/`node:https` requests without the ClientRequest interceptor, so keep-alive
 * agents keep their sockets: the interceptor gives every request a fresh agent and socket (the
 * server sees `Connection: close`). In a cassette that never replays (modes `record`, `passthrough`),
 * while no other listener could answer, reeltape's `http.request`/`get` sends the request with Node's
 * own function at once and taps what the client writes and what the response delivers.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { RecordedFailure } from '../cassette/index.js';
import { captureResponse } from './capture-response.js';
import { watchClientCancel, watchClientRequestFailure, type RawRequest } from './failures.js';
import type { InterceptionScope, RequestDecision } from './scope.js';

/** `http.request`, `http.get`, `https.request` or `https.get`. */
type NodeRequestFunction = (this: unknown, ...args: unknown[]) => unknown;

let requests = 0;

/** The request head Node wrote (`req._header`): its header lines, as sent. */
function sentHeaders(req: ClientRequest): Headers {
  const headers = new Headers();
  const raw = (req as unknown as { _header?: string | null })._header ?? '';
  for (const line of raw.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    try {
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    } catch {
      // a value a Fetch API `Headers` refuses is not recorded; it was sent as it is
    }
  }
  return headers;
}

/** A stream fed by `push`, ended by `end`/`fail` (once). */
function feed(): { stream: ReadableStream<Uint8Array>; push(chunk: Uint8Array): void; end(): void; fail(error: unknown): void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let open = true;
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    cancel: () => void (open = false),
  });
  return {
    stream,
    push: (chunk) => void (open && controller.enqueue(new Uint8Array(chunk))),
    end: () => {
      if (open) controller.close();
      open = false;
    },
    fail: (error) => {
      if (open) controller.error(error);
      open = false;
    },
  };
}

function toBytes(chunk: unknown, encoding: unknown): Uint8Array | undefined {
  if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return chunk instanceof Uint8Array ? chunk : undefined;
}

/** The body the client writes, as a stream: `write`/`end` are tapped (the bytes still go out as written). */
function tapRequestBody(req: ClientRequest): ReadableStream<Uint8Array> {
  const body = feed();
  const write = req.write;
  const end = req.end;
  const tapped = req as unknown as { write: (...args: unknown[]) => boolean; end: (...args: unknown[]) => ClientRequest };
  tapped.write = function (this: ClientRequest, ...args: unknown[]): boolean {
    const bytes = toBytes(args[0], args[1]);
    if (bytes) body.push(bytes);
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  };
  tapped.end = function (this: ClientRequest, ...args: unknown[]): ClientRequest {
    if (typeof args[0] !== 'function') {
      const bytes = toBytes(args[0], args[1]);
      if (bytes) body.push(bytes);
    }
    body.end();
    return (end as (...a: unknown[]) => ClientRequest).apply(this, args);
  };
  // closed without its body (aborted, or refused before `100 Continue`): keep what was written
  req.once('close', () => body.end());
  return body.stream;
}

/** The response the client reads, as a Fetch API `Response` whose body is tapped from `res.push`. */
function tapResponse(res: IncomingMessage): Response {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    try {
      headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
    } catch {
      // not recordable; the client still gets it
    }
  }
  const status = res.statusCode ?? 200;
  if ([101, 103, 204, 205, 304].includes(status)) return new Response(null, { status, statusText: res.statusMessage, headers });
  const body = feed();
  const push = res.push;
  res.push = function (this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) body.end();
    else {
      const bytes = toBytes(chunk, encoding);
      if (bytes) body.push(bytes);
    }
    return push.call(this, chunk, encoding);
  };
  // the client destroying the response itself (it stopped reading) is its cancel, not a network
  // error: the failure watcher reports it and the capture ends the stream as cancelled
  let byClient = false;
  watchClientCancel(res, () => (byClient = true));
  res.once('aborted', () => byClient || body.fail(new Error('response aborted')));
  res.once('error', (error) => body.fail(error));
  res.once('close', () => byClient || body.fail(new Error('response closed before its end')));
  return new Response(body.stream, { status, statusText: res.statusMessage, headers });
}

/**
 * Sends a `node:http` request made in a cassette that never replays with Node's own function
 * (`original`: the client's agent keeps its pooled sockets), and records it: the session decides on
 * the request as it is written, and gets the response captured as the client reads it. A late
 * request ({@link InterceptionScope.done}) is not taken here: the interceptor path decides it before
 * it goes out.
 *
 * @example
 * return recordHttpDirectly(scope, originalRequest, this, args);
 */
export function recordHttpDirectly(scope: InterceptionScope, original: NodeRequestFunction, self: unknown, args: unknown[]): ClientRequest {
  const req = original.apply(self, args) as ClientRequest;
  // `get` has ended the request already: no body
  const body = req.writableEnded ? null : tapRequestBody(req);
  let response: Response | undefined;
  let decided: Extract<RequestDecision, { action: 'record' }> | undefined;
  let passedThrough = false;
  // a failure (refused, reset, the client's own abort) may come before the session decided: kept until then
  let failed: RecordedFailure | undefined;
  watchClientRequestFailure(req as unknown as RawRequest, (failure) => {
    if (passedThrough) return;
    if (decided) decided.onFailure?.(failure);
    else failed ??= failure;
  });
  req.prependListener('response', (res: IncomingMessage) => {
    if (passedThrough) return; // not recorded: nothing to tap
    response = tapResponse(res);
    if (decided) decided.onResponse(captureResponse(response, decided.spill));
  });
  // the head is known once Node wrote it (the first write or end); `decide` reads the body as it is written
  const decide = (): void => {
    const host = req.getHeader('host') ?? req.host;
    const url = new URL(req.path, `${req.protocol}//${String(host)}`).href;
    const method = req.method.toUpperCase();
    const carriesBody = body !== null && method !== 'GET' && method !== 'HEAD';
    const request = new Request(url, { method, headers: sentHeaders(req), body: carriesBody ? body : null, duplex: 'half' } as RequestInit);
    scope.decide(request, `reeltape-http-${++requests}`).then(
      (decision) => {
        if (decision.action !== 'record') {
          // passthrough: already on its way, and not recorded (a tapped copy is dropped)
          passedThrough = true;
          void response?.body?.cancel().catch(() => undefined);
          return;
        }
        decided = decision;
        if (response) decision.onResponse(captureResponse(response, decision.spill));
        if (failed) decision.onFailure?.(failed);
      },
      (error: unknown) => scope.fail(error),
    );
  };
  if ((req as unknown as { _header?: string | null })._header) decide();
  else {
    // Node writes the head with the first body chunk or `end`
    const write = req.write;
    const end = req.end;
    let started = false;
    const start = (): void => {
      if (started) return;
      started = true;
      queueMicrotask(decide);
    };
    const tapped = req as unknown as { write: (...a: unknown[]) => boolean; end: (...a: unknown[]) => ClientRequest };
    tapped.write = function (this: ClientRequest, ...a: unknown[]): boolean {
      const result = (write as (...x: unknown[]) => boolean).apply(this, a);
      start();
      return result;
    };
    tapped.end = function (this: ClientRequest, ...a: unknown[]): ClientRequest {
      const result = (end as (...x: unknown[]) => ClientRequest).apply(this, a);
      start();
      return result;
    };
    // `flushHeaders()` or 100-continue: the head goes out before any body
    req.once('socket', () => queueMicrotask(() => (req as unknown as { _header?: string | null })._header && start()));
  }
  return req;
}
