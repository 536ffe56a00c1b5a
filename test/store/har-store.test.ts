import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CassetteFormatError, ReeltapeConfigError } from '../../src/errors/index.js';
import { configure, resetConfiguration, withCassette } from '../../src/session/index.js';
import { harStore, jsonStore, type Har } from '../../src/store/index.js';
import { listFiles, startTestServer, useServerAndDir, type TestServer } from '../helpers/index.js';
import { storeContract, sampleCassette } from './contract.js';
import { asReplayed, traffic } from './traffic.js';

storeContract('har', () => harStore());

describe('harStore files', () => {
  let server: TestServer;
  let dir: string;
  useServerAndDir('har', startTestServer, (s, d) => ((server = s), (dir = d)));

  it('writes HAR 1.2: readable text, base64 binary, every required field, reeltape data in _reeltape', async () => {
    const store = harStore();
    const file = store.resolve(dir, 'shape');
    await store.save(file, sampleCassette(), { sideFileThreshold: Infinity });
    const har = JSON.parse(await readFile(file, 'utf8')) as Har;
    expect(har.log.version).toBe('1.2');
    expect(har.log.creator.name).toBe('reeltape');
    expect(har.log._reeltape?.meta.extra).toEqual({ note: 'kept' });
    const [json, , text, binary, empty] = har.log.entries;
    for (const entry of har.log.entries) {
      expect(entry).toMatchObject({ startedDateTime: '2026-01-02T03:04:05.000Z', time: 0, cache: {}, timings: { send: 0, wait: 0, receive: 0 } });
      expect(entry.request).toMatchObject({ httpVersion: 'HTTP/1.1', cookies: [], headersSize: -1 });
      expect(entry.response).toMatchObject({ httpVersion: 'HTTP/1.1', cookies: [], redirectURL: '' });
      // the numbers Chrome DevTools' HAR importer requires (it rejects NaN)
      for (const n of [entry.time, entry.request.bodySize, entry.response.bodySize, entry.response.headersSize, entry.response.content.size]) expect(Number.isFinite(n)).toBe(true);
    }
    expect(json!.request.postData).toMatchObject({ mimeType: 'application/json', text: '{"q":[1,"two",null]}', _reeltape: { kind: 'json' } });
    expect(json!.response.content).toMatchObject({ mimeType: 'application/json', text: '{"a":1,"nested":{"b":true}}', size: 27 });
    expect(text!.request.queryString).toEqual([{ name: 'x', value: '1' }, { name: 'x', value: '2' }]);
    expect(text!.response.content.text).toBe('héllo\nworld');
    expect(text!.response.content.encoding).toBeUndefined();
    expect(binary!.response.content).toMatchObject({ encoding: 'base64', size: 300, _reeltape: { kind: 'binary' } });
    expect(Buffer.from(binary!.response.content.text!, 'base64')).toEqual(Buffer.from((sampleCassette().interactions[3]!.response.body as { value: Uint8Array }).value));
    expect(empty!.request.postData).toBeUndefined();
    expect(empty!.response.content).toMatchObject({ size: 0, text: '' });
    expect(empty!.response.headers.filter((h) => h.name === 'set-cookie').map((h) => h.value)).toEqual(['a=1; Path=/', 'b=2; Path=/']);
  });

  it('a value the cassette rules refuse is a CassetteFormatError at its HAR path', async () => {
    const store = harStore();
    const file = store.resolve(dir, 'bad-status');
    await store.save(file, sampleCassette(), { sideFileThreshold: Infinity });
    const har = JSON.parse(await readFile(file, 'utf8')) as Har;
    har.log.entries[2]!.response.status = 42;
    await writeFile(file, JSON.stringify(har));
    const error = (await store.load(file).catch((e: unknown) => e)) as CassetteFormatError;
    expect(error).toBeInstanceOf(CassetteFormatError);
    expect(error.location).toBe('log.entries[2].response.status');
    expect(error.message).toContain(`HAR file ${file}: `);
    expect(error.message).toContain('log.entries[2].response.status: expected an integer 100-599, got 42');
  });

  it('withCassette records <name>.har (large bodies inline, no side files) and replays it with the server stopped', async () => {
    const options = { dir, store: harStore(), sideFileThreshold: 1024 };
    const recorded = await withCassette('flows/all', () => traffic(server.url), { ...options, mode: 'record' });
    expect(await listFiles(dir)).toEqual(['flows/all.har']);
    const text = await readFile(join(dir, 'flows', 'all.har'), 'utf8');
    expect(text).not.toContain('a=1; Path=/'); // sanitized before the store saw it
    const har = JSON.parse(text) as Har;
    const large = har.log.entries.find((e) => e.request.url.endsWith('kind=large'))!;
    expect(large.request.postData).toMatchObject({ encoding: 'base64', _reeltape: { kind: 'binary' } });
    expect(Buffer.from(large.request.postData!.text, 'base64').toString()).toBe('x'.repeat(3000));
    await server.close();
    const replayed = await withCassette('flows/all', () => traffic(server.url), { ...options, mode: 'replay' });
    expect(replayed).toEqual(asReplayed(recorded));
  });

  it('re-recording unchanged traffic leaves the HAR untouched; update mode adds only the new request', async () => {
    const options = { dir, store: harStore() };
    const get = (path: string) => fetch(`${server.url}${path}`).then((r) => r.text());
    await withCassette('same', () => get('/json'), { ...options, mode: 'record' });
    const file = join(dir, 'same.har');
    const before = await readFile(file, 'utf8');
    await new Promise((resolve) => setTimeout(resolve, 20)); // a rewrite would carry a new recordedAt
    await withCassette('same', () => get('/json'), { ...options, mode: 'record' });
    expect(await readFile(file, 'utf8')).toBe(before);

    await withCassette('same', async () => [await get('/json'), await get('/text')], { ...options, mode: 'update' });
    const har = JSON.parse(await readFile(file, 'utf8')) as Har;
    expect(har.log.entries.map((e) => new URL(e.request.url).pathname)).toEqual(['/json', '/text']);
    expect(server.hits.filter((h) => h === 'GET /json')).toHaveLength(2); // update replayed /json
  });

  it('configure({ store }) makes every cassette a HAR; a per-call store wins', async () => {
    configure({ store: harStore(), dir });
    try {
      const seen = await withCassette('configured', (c) => fetch(`${server.url}/json`).then((r) => `${c.file} ${r.status}`), { mode: 'record' });
      expect(seen).toBe(`${join(dir, 'configured.har')} 200`);
      await withCassette('per-call', () => fetch(`${server.url}/text`), { mode: 'record', store: jsonStore() });
    } finally {
      resetConfiguration();
    }
    expect(await listFiles(dir)).toEqual(['configured.har', 'per-call.json']);
  });

  it('refuses a side-file body over maxInlineBytes, naming the interaction, and writes nothing', async () => {
    const options = { dir, store: harStore({ maxInlineBytes: 2000 }), sideFileThreshold: 1024, mode: 'record' as const };
    const post = () => fetch(`${server.url}/echo`, { method: 'POST', body: 'y'.repeat(2500) }).then((r) => r.text());
    const error = await withCassette('big', post, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReeltapeConfigError);
    expect((error as Error).message).toMatch(/interactions\[0\] \(POST http:\/\/127\.0\.0\.1:\d+\/echo\) request body is 2500 bytes, more than harStore's maxInlineBytes \(2000\)/);
    expect(await listFiles(dir)).toEqual([]);
  });
});
