/**
 * The record/replay tools under comparison, behind one shape:
 *   withTool(tool, { mode, dir, name, bodyBytes }, fn)
 * runs `fn` while `tool` records into / replays from the recording `name` under `dir`.
 * Every tool module is imported lazily, so a case process loads only the tool it measures.
 *
 * Tools: plain (no interception), msw (bare setupServer, one static catch-all handler answering a prebuilt
 * buffer; replay only), msw-passthrough (setupServer whose only handler calls passthrough(); record only),
 * polly (node-http + fetch adapters, fs persister), nock (nock.back: record / lockdown), reeltape (withCassette
 * from dist/index.js).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
/** Absolute path of reeltape's built entry point (BENCH_REELTAPE_DIST overrides, e.g. a private build). */
export const REELTAPE_DIST = process.env.BENCH_REELTAPE_DIST ?? fileURLToPath(new URL('../../dist/index.js', import.meta.url));

export const TOOLS = ['plain', 'msw', 'msw-passthrough', 'polly', 'nock', 'reeltape'];

/**
 * @param {string} tool
 * @param {{ mode: 'record' | 'replay', dir: string, name: string, bodyBytes?: Uint8Array }} opts
 * @param {() => Promise<void>} fn
 * @param {{ loaded?: () => void }} [hooks] `loaded` is called once the tool is set up and `fn` is about to run
 */
export async function withTool(tool, opts, fn, hooks = {}) {
  const loaded = hooks.loaded ?? (() => {});
  switch (tool) {
    case 'plain':
      loaded();
      return fn();
    case 'msw':
      return withMswStatic(opts, fn, loaded);
    case 'msw-passthrough':
      return withMswPassthrough(fn, loaded);
    case 'polly':
      return withPolly(opts, fn, loaded);
    case 'nock':
      return withNock(opts, fn, loaded);
    case 'reeltape':
      return withReeltape(opts, fn, loaded);
    default:
      throw new Error(`unknown tool ${tool} (one of ${TOOLS.join(', ')})`);
  }
}

/**
 * Import a tool's modules without starting it (so a case can time module loading apart from setup).
 * @param {string} tool
 */
export async function preload(tool) {
  if (tool === 'msw' || tool === 'msw-passthrough') await Promise.all([import('msw/node'), import('msw')]);
  else if (tool === 'polly')
    for (const m of ['@pollyjs/core', '@pollyjs/adapter-node-http', '@pollyjs/adapter-fetch', '@pollyjs/persister-fs']) require(m);
  else if (tool === 'nock') {
    polyfillWithResolvers();
    await import('nock');
  } else if (tool === 'reeltape') await import(REELTAPE_DIST);
}

async function withMswStatic(opts, fn, loaded) {
  if (opts.mode !== 'replay') throw new Error('tool msw only replays (a static handler)');
  const { setupServer } = await import('msw/node');
  const { http, HttpResponse } = await import('msw');
  const body = opts.bodyBytes;
  if (!body) throw new Error('tool msw needs bodyBytes');
  const headers = { 'content-type': opts.contentType ?? 'application/json', 'content-length': String(body.byteLength) };
  const server = setupServer(http.all('*', () => new HttpResponse(body, { status: 200, headers })));
  server.listen({ onUnhandledRequest: 'error' });
  try {
    loaded();
    await fn();
  } finally {
    server.close();
  }
}

async function withMswPassthrough(fn, loaded) {
  const { setupServer } = await import('msw/node');
  const { http, passthrough } = await import('msw');
  const server = setupServer(http.all('*', () => passthrough()));
  server.listen({ onUnhandledRequest: 'error' });
  try {
    loaded();
    await fn();
  } finally {
    server.close();
  }
}

async function withPolly(opts, fn, loaded) {
  const { Polly } = require('@pollyjs/core');
  Polly.register(require('@pollyjs/adapter-node-http'));
  Polly.register(require('@pollyjs/adapter-fetch'));
  Polly.register(require('@pollyjs/persister-fs'));
  const polly = new Polly(opts.name, {
    adapters: ['node-http', 'fetch'],
    persister: 'fs',
    persisterOptions: { fs: { recordingsDir: opts.dir } },
    mode: opts.mode,
    recordIfMissing: false,
    logLevel: 'silent',
  });
  try {
    loaded();
    await fn();
  } finally {
    await polly.stop(); // persists the recording in record mode
  }
}

/**
 * nock 15.0.2 declares Node >= 20.12.1, but its @mswjs/interceptors 0.44 calls Promise.withResolvers (Node 22+);
 * without this polyfill every intercepted request fails on Node 20.
 */
function polyfillWithResolvers() {
  if (typeof Promise.withResolvers === 'function') return;
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

async function withNock(opts, fn, loaded) {
  polyfillWithResolvers();
  const { default: nock } = await import('nock');
  nock.back.fixtures = opts.dir;
  nock.back.setMode(opts.mode === 'record' ? 'record' : 'lockdown');
  const { nockDone } = await nock.back(`${opts.name}.json`);
  try {
    loaded();
    await fn();
  } finally {
    nockDone(); // writes the fixture in record mode
    nock.restore();
  }
}

/** Options merged into every reeltape call; BENCH_REELTAPE_OPTIONS (JSON) may add more. */
function reeltapeOptions(opts) {
  const extra = process.env.BENCH_REELTAPE_OPTIONS ? JSON.parse(process.env.BENCH_REELTAPE_OPTIONS) : {};
  return { mode: opts.mode, dir: opts.dir, ...extra };
}

async function withReeltape(opts, fn, loaded) {
  const mod = await import(REELTAPE_DIST);
  if (typeof mod.withCassette !== 'function') throw new Error('reeltape: not built yet (dist/index.js has no withCassette)');
  return mod.withCassette(
    opts.name,
    async () => {
      loaded();
      await fn();
    },
    reeltapeOptions(opts),
  );
}
