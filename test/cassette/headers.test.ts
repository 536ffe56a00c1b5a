import { describe, expect, it } from 'vitest';
import { deleteHeader, getHeader, headersFromFetch, headersToPairs, setHeader, type HeaderMap } from '../../src/index.js';

describe('header helpers', () => {
  it('get/set/delete case-insensitively', () => {
    const headers: HeaderMap = { 'content-type': 'text/plain', 'x-multi': ['a', 'b'] };
    expect(getHeader(headers, 'Content-Type')).toBe('text/plain');
    expect(getHeader(headers, 'X-Multi')).toBe('a, b');
    expect(getHeader(headers, 'missing')).toBeUndefined();
    setHeader(headers, 'Content-Type', 'application/json');
    expect(headers).toEqual({ 'content-type': 'application/json', 'x-multi': ['a', 'b'] });
    expect(deleteHeader(headers, 'X-MULTI')).toBe(true);
    expect(deleteHeader(headers, 'x-multi')).toBe(false);
    expect(headers).toEqual({ 'content-type': 'application/json' });
  });

  it('keeps every Set-Cookie from fetch Headers and expands arrays back to pairs', () => {
    const fetchHeaders = new Headers([
      ['Content-Type', 'text/plain'],
      ['Set-Cookie', 'a=1; Path=/'],
      ['Set-Cookie', 'b=2, c=3'],
    ]);
    const map = headersFromFetch(fetchHeaders);
    expect(map).toEqual({ 'content-type': 'text/plain', 'set-cookie': ['a=1; Path=/', 'b=2, c=3'] });
    const back = new Headers(headersToPairs(map));
    expect(back.getSetCookie()).toEqual(['a=1; Path=/', 'b=2, c=3']);
    expect(headersFromFetch(new Headers([['set-cookie', 'only=1']]))).toEqual({ 'set-cookie': 'only=1' });
  });
});
