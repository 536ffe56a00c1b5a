import { expect, it } from 'vitest';
import { requestKey } from '../../src/matching/index.js';
import type { RecordedRequest } from '../../src/cassette/types.js';
import { withCassette } from '../../src/session/index.js';
import { startTestServer, type TestServer, useServerAndDir } from '../helpers/index.js';

// Presigned URLs made on a later run differ only in their time bounds and signature: they match.

const get = (url: string): RecordedRequest => ({ method: 'GET', url, headers: {}, body: null });
const aws = (date: string, sig: string) =>
  `https://bucket.s3.amazonaws.com/reports/a.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F${date.slice(0, 8)}%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=${date}&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=${sig}`;
const gcs = (date: string, sig: string) =>
  `https://storage.googleapis.com/b/o.json?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%40p.iam.gserviceaccount.com%2F${date.slice(0, 8)}%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=${date}&X-Goog-Expires=600&X-Goog-SignedHeaders=host&X-Goog-Signature=${sig}`;
const azure = (st: string, se: string, sig: string) =>
  `https://acct.blob.core.windows.net/c/blob.txt?sv=2022-11-02&sr=b&sp=r&st=${st}&se=${se}&sig=${sig}`;

it('AWS SigV4, GCS V4 and Azure SAS URLs of two runs have the same key; the object they point at still counts', () => {
  expect(requestKey(get(aws('20261205T101010Z', 'aa11')))).toBe(requestKey(get(aws('20270101T000000Z', 'bb22'))));
  expect(requestKey(get(gcs('20261205T101010Z', 'aa11')))).toBe(requestKey(get(gcs('20270101T000000Z', 'bb22'))));
  expect(requestKey(get(azure('2026-12-05T10:00Z', '2026-12-05T11:00Z', 'a%2F1')))).toBe(requestKey(get(azure('2027-01-01T00:00Z', '2027-01-01T01:00Z', 'b%2F2'))));
  expect(requestKey(get(aws('20261205T101010Z', 'aa11')))).not.toBe(requestKey(get(aws('20261205T101010Z', 'aa11').replace('a.csv', 'b.csv'))));
  expect(requestKey(get(aws('20261205T101010Z', 'aa11')))).not.toBe(requestKey(get(aws('20261205T101010Z', 'aa11').replace('Expires=900&', 'Expires=900&versionId=2&'))));
});

it('st/se/sig are ordinary parameters on URLs that are not Azure SAS, and ignoreSignedUrlParams: false matches every parameter', () => {
  expect(requestKey(get('https://api.test/items?st=1&se=2'))).not.toBe(requestKey(get('https://api.test/items?st=3&se=4')));
  const a = get(aws('20261205T101010Z', 'aa11'));
  const b = get(aws('20270101T000000Z', 'bb22'));
  expect(requestKey(a, { ignoreSignedUrlParams: false })).not.toBe(requestKey(b, { ignoreSignedUrlParams: false }));
});

let server: TestServer;
let dir: string;
useServerAndDir('signed-urls', startTestServer, (s, d) => ((server = s), (dir = d)));

it('a presigned GET recorded today replays from a URL signed on a later run, with the server stopped', async () => {
  const signed = (date: string, sig: string) => `${server.url}/json?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=${date}&X-Amz-Expires=900&X-Amz-Signature=${sig}`;
  const recorded = await withCassette('presigned', () => fetch(signed('20261205T101010Z', 'a'.repeat(64))).then((r) => r.json()), { dir, mode: 'record' });
  await server.close();
  const replayed = await withCassette('presigned', () => fetch(signed('20261205T103040Z', 'b'.repeat(64))).then((r) => r.json()), { dir, mode: 'replay' });
  expect(replayed).toEqual(recorded);
});
