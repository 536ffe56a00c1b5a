import type { Body, Cassette, Interaction, RecordedRequest, RecordedResponse } from '../../src/cassette/types.js';
import { CASSETTE_VERSION } from '../../src/cassette/types.js';

/** A JSON body. */
export const json = (value: Body extends infer B ? (B extends { kind: 'json'; value: infer V } ? V : never) : never): Body => ({ kind: 'json', value });
/** A text body. */
export const text = (value: string): Body => ({ kind: 'text', value });

/** A request with defaults. */
export function req(partial: Partial<RecordedRequest> & { url: string }): RecordedRequest {
  return { method: 'GET', headers: {}, body: null, ...partial };
}

/** A response with defaults. */
export function res(partial: Partial<RecordedResponse> = {}): RecordedResponse {
  return { status: 200, statusText: 'OK', headers: {}, body: null, ...partial };
}

/** An interaction. */
export function interaction(request: RecordedRequest, response: RecordedResponse = res()): Interaction {
  return { request, response };
}

/** A cassette around interactions. */
export function cassetteOf(interactions: Interaction[]): Cassette {
  return { version: CASSETTE_VERSION, meta: { reeltape: '0.1.0', node: 'v20', recordedAt: '2024-01-01T00:00:00.000Z' }, interactions };
}

/** Every spelling of a secret a leak could take in a file: raw, URL-encoded, base64. */
export function spellings(secret: string): string[] {
  const b64 = Buffer.from(secret).toString('base64');
  return [...new Set([secret, encodeURIComponent(secret), b64, b64.replace(/=+$/, ''), b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')])];
}
