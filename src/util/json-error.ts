/**
 * Locates the first syntax error in invalid JSON text. V8's `JSON.parse` messages do not always
 * carry a position (e.g. `Unexpected token '}', "…" is not valid JSON`), so a small scanner finds it.
 */

/** Line and column (both 1-based) of the first JSON syntax error, or `undefined` if none is found. */
export function locateJsonError(text: string): { line: number; column: number; offset: number } | undefined {
  let offset: number | undefined;
  try {
    offset = scan(text);
  } catch {
    return undefined; // e.g. absurd nesting; the caller still reports JSON.parse's own message
  }
  if (offset === undefined) return undefined;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1, offset };
}

class Fail {
  constructor(readonly at: number) {}
}

function scan(text: string): number | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const fail = (): never => {
    throw new Fail(i);
  };
  const str = () => {
    if (text[i] !== '"') fail();
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 92) {
        i++;
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
      } else i++;
    }
    fail();
  };
  const value = (depth: number): void => {
    if (depth > 10_000) fail();
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail();
      }
    } else if (c === '"') str();
    else {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (m && m[0] !== '' && m[0] !== '-') {
        i += m[0].length;
        return;
      }
      for (const lit of ['true', 'false', 'null']) {
        if (text.startsWith(lit, i)) {
          i += lit.length;
          return;
        }
      }
      fail();
    }
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail();
    return undefined;
  } catch (e) {
    if (e instanceof Fail) return e.at;
    throw e;
  }
}
