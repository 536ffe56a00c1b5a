import { randomBytes } from 'node:crypto';
/**
 * A loopback server for large-body tests: deterministic bodies of any size, gzip-encoded ones,
 * a body carrying a secret, and one that stalls half-way (for interrupted recordings).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { listenOnLoopback } from '../helpers/loopback.js';

/** Deterministic pseudo-random bytes (incompressible-ish, not UTF-8), `size` long. */
export function bigBytes(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Compressible text, `size` bytes. */
export function bigText(size: number): Buffer {
  const line = 'id,name,value,comment\n1,alpha,3.14,"a fairly long line of csv text"\n';
  return Buffer.from(line.repeat(Math.ceil(size / line.length)).slice(0, size));
}

/** Lower-case hex SHA-256. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The secret embedded in `/secret-big`. */
export const BIG_SECRET = `sk_live_${randomBytes(10).toString('hex')}`;

export interface BigBodyServer {
  url: string;
  hits: string[];
  close(): Promise<void>;
}

/**
 * Routes: `GET /bin?size=N&seed=S` (binary, content-length), `GET /text-gzip?size=N` (gzip,
 * content-length of the compressed bytes), `GET /chunked?size=N` (binary, chunked),
 * `GET /secret-big?size=N` (text with {@link BIG_SECRET} in the middle), `GET /stall?size=N`
 * (writes half of N bytes, then never finishes), `GET /item/<id>` (small JSON), `POST /echo-size` (answers the request body's length).
 */
export async function startBigBodyServer(): Promise<BigBodyServer> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    hits.push(`${req.method} ${url.pathname}${url.search}`);
    const size = Number(url.searchParams.get('size') ?? 0);
    if (url.pathname === '/bin') {
      const body = bigBytes(size, Number(url.searchParams.get('seed') ?? 1));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.byteLength });
      res.end(body);
    } else if (url.pathname === '/chunked') {
      const body = bigBytes(size, 7);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < body.byteLength; i += 64 * 1024) res.write(body.subarray(i, i + 64 * 1024));
      res.end();
    } else if (url.pathname === '/text-gzip') {
      const body = gzipSync(bigText(size));
      res.writeHead(200, { 'content-type': 'text/csv', 'content-encoding': 'gzip', 'content-length': body.byteLength });
      res.end(body);
    } else if (url.pathname === '/secret-big') {
      const text = bigText(size);
      const body = Buffer.concat([text.subarray(0, size / 2), Buffer.from(` ${BIG_SECRET} `), text.subarray(size / 2)]);
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.byteLength });
      res.end(body);
    } else if (url.pathname === '/stall') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      res.write(bigBytes(size / 2, 3));
    } else if (url.pathname.startsWith('/item/')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: url.pathname.slice('/item/'.length) }));
    } else if (url.pathname === '/echo-size') {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.byteLength));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ size: n }));
      });
    } else {
      res.writeHead(404).end();
    }
  });
  const { port, close } = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}`, hits, close };
}
