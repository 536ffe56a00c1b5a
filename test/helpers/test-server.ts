/**
 * A real local HTTP(S) server for tests, listening on 127.0.0.1 with an ephemeral port.
 *
 * Routes (all deterministic, so a re-record sees identical traffic):
 * | route | answer |
 * |---|---|
 * | `GET /json` | `{"hello":"world","n":1}` as `application/json` |
 * | `GET /text` | `hello text\n` as `text/plain` |
 * | `GET /binary` | {@link BINARY_BODY} (every byte value, twice) as `application/octet-stream` |
 * | `GET /gzip`, `/deflate`, `/br` | {@link COMPRESSIBLE_JSON} compressed, with `content-encoding` and `content-length` |
 * | `GET /redirect` | `302` to `/json` |
 * | `GET /cookies` | `{"ok":true}` with two separate `Set-Cookie` headers (`a=1`, `b=2`) |
 * | `GET /chunked` | `part1 part2 part3` sent in three chunks, no `content-length` |
 * | `GET /slow?ms=N` | `slow` after N ms (default 200) |
 * | `ANY /echo` | JSON `{ method, url, contentType, body }` echoing the request |
 * | `GET /poll` | `{"status":…}`: STARTING, STARTING, RUNNING, then DONE forever (per server) |
 * | `GET /destroy` | headers and half a body, then the socket is destroyed |
 * | `GET /status/N` | empty body with status N |
 * | anything else | `404` JSON `{"error":"not found"}` |
 *
 * Every request is appended to `hits` (`METHOD /path?query`), so a test can assert that replay
 * made no network request.
 *
 * @example
 * const server = await startTestServer();
 * const res = await fetch(`${server.url}/json`);
 * await server.close();
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as zlib from 'node:zlib';
import { listenOnLoopback } from './loopback.js';

/** JSON served (compressed) by `/gzip`, `/deflate` and `/br`: long enough to compress visibly. */
export const COMPRESSIBLE_JSON = JSON.stringify({ message: 'compressed '.repeat(40).trim(), items: [1, 2, 3] });

/** Bytes served by `/binary`: every byte value 0–255, twice (not valid UTF-8). */
export const BINARY_BODY: Uint8Array = new Uint8Array(512).map((_, i) => i % 256);

/** Sequence served by `/poll`. */
export const POLL_SEQUENCE = ['STARTING', 'STARTING', 'RUNNING'] as const;

/** A running test server. */
export interface TestServer {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  /** `127.0.0.1:<port>`. */
  readonly host: string;
  readonly port: number;
  /** Requests received so far, as `METHOD /path?query`. */
  readonly hits: string[];
  /** Stops listening and destroys open connections. Safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  /** Serve HTTPS with this key and certificate (see `createCertificate` in `./certificate.js`). */
  tls?: { key: string; cert: string };
}

/** Starts a {@link TestServer} on 127.0.0.1, port 0. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const hits: string[] = [];
  let pollCount = 0;
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://local');
      hits.push(`${req.method} ${url.pathname}${url.search}`);
      const body = Buffer.concat(chunks);
      const json = (status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}): void => {
        const text = JSON.stringify(value);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
        res.end(text);
      };
      const path = url.pathname;
      if (path === '/json') return json(200, { hello: 'world', n: 1 });
      if (path === '/text') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 11 });
        return void res.end('hello text\n');
      }
      if (path === '/binary') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BINARY_BODY.length });
        return void res.end(Buffer.from(BINARY_BODY));
      }
      if (path === '/gzip' || path === '/deflate' || path === '/br') {
        const raw = Buffer.from(COMPRESSIBLE_JSON);
        const encoded =
          path === '/gzip' ? zlib.gzipSync(raw) : path === '/deflate' ? zlib.deflateSync(raw) : zlib.brotliCompressSync(raw);
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-encoding': path.slice(1),
          'content-length': encoded.length,
        });
        return void res.end(encoded);
      }
      if (path === '/redirect') {
        res.writeHead(302, { location: '/json', 'content-length': 0 });
        return void res.end();
      }
      if (path === '/cookies') return json(200, { ok: true }, { 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'] });
      if (path === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('part1 ');
        setTimeout(() => {
          res.write('part2 ');
          setTimeout(() => res.end('part3'), 5);
        }, 5);
        return;
      }
      if (path === '/slow') {
        const ms = Number(url.searchParams.get('ms') ?? 200);
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 4 });
          res.end('slow');
        }, ms);
        return;
      }
      if (path === '/echo') {
        return json(200, {
          method: req.method,
          url: `${url.pathname}${url.search}`,
          contentType: req.headers['content-type'] ?? null,
          body: body.toString('utf8'),
        });
      }
      if (path === '/poll') {
        const status = POLL_SEQUENCE[pollCount] ?? 'DONE';
        pollCount += 1;
        return json(200, { status });
      }
      if (path === '/destroy') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 1000 });
        res.write('x'.repeat(500));
        setTimeout(() => res.destroy(), 20);
        return;
      }
      const statusMatch = /^\/status\/(\d{3})$/.exec(path);
      if (statusMatch) {
        res.writeHead(Number(statusMatch[1]), { 'content-length': 0 });
        return void res.end();
      }
      return json(404, { error: 'not found' });
    });
  };

  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : http.createServer(handler);
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    hits,
    close,
  };
}
