/**
 * One way per HTTP client to make a request and report what it saw ({@link Observed}), each
 * trusting a custom CA only through the client's own option.
 */
import http from 'node:http';
import https from 'node:https';
import axios from 'axios';
import got from 'got';
import nodeFetch from 'node-fetch';
import superagent from 'superagent';
import { Agent } from 'undici';
import { comparableHeaders, type Observed } from '../helpers/index.js';

/** A request a test makes. */
export interface ClientRequest {
  url: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  /** PEM CA to trust (https tests). */
  ca?: string;
}

/** A client under test. */
export interface Client {
  name: string;
  /** Whether it follows redirects by itself. */
  followsRedirects: boolean;
  /** Whether it decodes gzip/deflate/br bodies by itself (plain `node:http` does not). */
  decompresses: boolean;
  send(request: ClientRequest): Promise<Observed>;
}

function nodeHttp(request: ClientRequest): Promise<Observed> {
  return new Promise((resolve, reject) => {
    const url = new URL(request.url);
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(
      request.url,
      { method: request.method ?? 'GET', headers: request.headers, ...(request.ca ? { ca: request.ca } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: comparableHeaders(res.headers), body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });
}

function httpGet(request: ClientRequest): Promise<Observed> {
  if (request.method && request.method !== 'GET') return nodeHttp(request);
  return new Promise((resolve, reject) => {
    const url = new URL(request.url);
    const get = url.protocol === 'https:' ? https.get : http.get;
    get(request.url, { headers: request.headers, ...(request.ca ? { ca: request.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: comparableHeaders(res.headers), body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

function fetchHeaders(headers: Headers): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') out[name] = value;
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out['set-cookie'] = cookies;
  return comparableHeaders(out);
}

/** Every client. */
export const CLIENTS: Client[] = [
  {
    name: 'fetch',
    followsRedirects: true,
    decompresses: true,
    async send(request) {
      const init: RequestInit & { dispatcher?: Agent } = {
        method: request.method ?? 'GET',
        ...(request.headers ? { headers: request.headers } : {}),
        ...(request.body !== undefined ? { body: request.body } : {}),
        ...(request.ca ? { dispatcher: new Agent({ connect: { ca: request.ca } }) } : {}),
      };
      const res = await fetch(request.url, init);
      return { status: res.status, headers: fetchHeaders(res.headers), body: Buffer.from(await res.arrayBuffer()) };
    },
  },
  { name: 'http.get / http.request', followsRedirects: false, decompresses: false, send: httpGet },
  {
    name: 'axios',
    followsRedirects: true,
    decompresses: true,
    async send(request) {
      const res = await axios.request<ArrayBuffer>({
        url: request.url,
        method: request.method ?? 'GET',
        data: request.body,
        headers: request.headers,
        responseType: 'arraybuffer',
        validateStatus: () => true,
        ...(request.ca ? { httpsAgent: new https.Agent({ ca: request.ca }) } : {}),
      });
      const headers = comparableHeaders(res.headers as Record<string, string | string[]>);
      return { status: res.status, headers, body: Buffer.from(res.data) };
    },
  },
  {
    name: 'got',
    followsRedirects: true,
    decompresses: true,
    async send(request) {
      const res = await got(request.url, {
        method: (request.method ?? 'GET') as 'GET',
        ...(request.body !== undefined ? { body: request.body } : {}),
        ...(request.headers ? { headers: request.headers } : {}),
        responseType: 'buffer',
        throwHttpErrors: false,
        retry: { limit: 0 },
        ...(request.ca ? { https: { certificateAuthority: request.ca } } : {}),
      });
      return { status: res.statusCode, headers: comparableHeaders(res.headers), body: res.body };
    },
  },
  {
    name: 'node-fetch',
    followsRedirects: true,
    decompresses: true,
    async send(request) {
      const res = await nodeFetch(request.url, {
        method: request.method ?? 'GET',
        ...(request.body !== undefined ? { body: request.body } : {}),
        ...(request.headers ? { headers: request.headers } : {}),
        ...(request.ca ? { agent: new https.Agent({ ca: request.ca }) } : {}),
      });
      const out: Record<string, string | string[]> = {};
      for (const [name, values] of Object.entries(res.headers.raw())) out[name] = values.length === 1 ? values[0]! : values;
      return { status: res.status, headers: comparableHeaders(out), body: Buffer.from(await res.arrayBuffer()) };
    },
  },
  {
    name: 'superagent',
    followsRedirects: true,
    decompresses: true,
    async send(request) {
      let req = superagent(request.method ?? 'GET', request.url).ok(() => true);
      if (request.headers) req = req.set(request.headers);
      if (request.ca) req = req.ca(request.ca);
      req = req.buffer(true).parse((res, callback) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => callback(null, Buffer.concat(chunks)));
      });
      if (request.body !== undefined) req = req.send(request.body);
      const res = await req;
      return { status: res.status, headers: comparableHeaders(res.headers as Record<string, string>), body: res.body as Buffer };
    },
  },
];
