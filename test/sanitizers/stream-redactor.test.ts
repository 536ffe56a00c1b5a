import { describe, expect, it } from 'vitest';
import { StreamRedactor } from '../../src/sanitizers/index.js';
import { expandExample, SecretRules } from '../../src/secrets/index.js';

/** Pushes `body` in two chunks, the first ending `firstLen` bytes in; returns what the redactor let through. */
function through(body: string, firstLen: number): string {
  const r = new StreamRedactor(new SecretRules());
  return Buffer.concat([r.push(Buffer.from(body.slice(0, firstLen))), r.push(Buffer.from(body.slice(firstLen))), r.end()]).toString();
}

describe('StreamRedactor pass boundaries', () => {
  // a pass cuts 16 KiB before the end of what it holds: the first chunk's length puts the cut where we want it
  const WINDOW = 16 * 1024;
  const pad = 'x'.repeat(300 * 1024);

  it('a secret found by its name is redacted wherever the cut falls: before, at or inside its value', () => {
    const secret = expandExample('{a:40}');
    const body = `${pad}{"client_secret":"${secret}"}${'y'.repeat(20 * 1024)}`;
    const at = body.indexOf(secret);
    for (const shift of [-16, -1, 0, 1, 20, 39, 40]) {
      const out = through(body, at + shift + WINDOW);
      expect(out.includes(secret), `cut at value ${shift >= 0 ? '+' : ''}${shift}`).toBe(false);
      expect(out).toContain('"client_secret":"[REDACTED:client_secret]"');
      expect(out.length).toBe(body.length - secret.length + '[REDACTED:client_secret]'.length);
    }
  });

  it('so is a Bearer credential and an XML element value', () => {
    const token = expandExample('{a:40}');
    for (const [text, marker] of [[`Authorization: Bearer ${token}\n`, '[REDACTED:bearer-token]'], [`<Token>${token}</Token>`, '[REDACTED:token]']] as const) {
      const body = `${pad}${text}${'y'.repeat(20 * 1024)}`;
      const at = body.indexOf(token);
      for (const shift of [0, 10]) {
        const out = through(body, at + shift + WINDOW);
        expect(out.includes(token), `${marker} cut at +${shift}`).toBe(false);
        expect(out).toContain(marker);
      }
    }
  });
});
