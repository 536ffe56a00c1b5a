/**
 * A self-signed certificate for `127.0.0.1`/`localhost`, generated once per test process with
 * `selfsigned`. Trust it only through a client's own option (`ca`, an agent, an undici
 * `dispatcher`), never process-wide.
 *
 * @example
 * const { key, cert } = await createCertificate();
 * const server = await startTestServer({ tls: { key, cert } });
 * https.get(`${server.url}/json`, { ca: cert }, …);
 */
import { generate } from 'selfsigned';

/** PEM key and certificate. */
export interface TestCertificate {
  readonly key: string;
  readonly cert: string;
}

let cached: Promise<TestCertificate> | undefined;

/** Returns this process's self-signed certificate (generated on first call). */
export function createCertificate(): Promise<TestCertificate> {
  cached ??= generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return cached;
}
