import { bodyFromBytes, type Cassette } from '../../src/cassette/index.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** A small valid cassette with every body kind except `file`. */
export function sampleCassette(): Cassette {
  return {
    version: 1,
    meta: { reeltape: '0.1.0', node: 'v20.20.2', recordedAt: '2024-05-01T10:00:00.000Z' },
    interactions: [
      {
        request: { method: 'GET', url: 'https://api.example.test/users?page=2', headers: { accept: 'application/json', 'x-b': ['1', '2'] }, body: null },
        response: {
          status: 200,
          statusText: 'OK',
          headers: { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] },
          body: bodyFromBytes(enc('{\n  "users": [\n    {\n      "id": 2,\n      "name": "Zoë"\n    }\n  ]\n}\n'), 'application/json'),
        },
      },
      {
        request: {
          method: 'POST',
          url: 'https://api.example.test/search',
          headers: { 'content-type': 'application/json' },
          body: bodyFromBytes(enc('{"q":"x","filter":{"since":"2024-01-01"}}'), 'application/json'),
        },
        response: { status: 201, statusText: 'Created', headers: { 'content-type': 'text/plain' }, body: { kind: 'text', value: 'created\n' } },
      },
      {
        request: { method: 'GET', url: 'https://cdn.example.test/logo.png', headers: {}, body: null },
        response: { status: 200, statusText: 'OK', headers: { 'content-type': 'image/png' }, body: { kind: 'binary', value: new Uint8Array([137, 80, 78, 71, 0, 255]) } },
      },
    ],
  };
}
