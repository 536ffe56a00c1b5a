import { randomInt } from 'node:crypto';

const ALPHABETS: Record<string, string> = {
  A: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567',
  a: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  h: '0123456789abcdef',
  d: '0123456789',
  w: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_',
  u: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
};

/**
 * Expands an example template: `{a:36}` becomes 36 random characters of class `a` (letters and
 * digits); `A` upper-case base32, `h` hex, `d` digits, `w` word characters, `u` base64url.
 * Rule examples are written as templates so no source file holds a secret-shaped literal.
 *
 * @example
 * expandExample('ghp_{a:36}') // 'ghp_' + 36 random letters and digits
 */
export function expandExample(template: string): string {
  return template.replace(/\{([Aahdwu]):(\d+)\}/g, (_m, cls: string, n: string) => {
    const alphabet = ALPHABETS[cls] as string;
    let out = '';
    for (let i = 0; i < Number(n); i++) out += alphabet[randomInt(alphabet.length)];
    // a random tail can, rarely, be too plain to look random: keep a digit and a letter in it
    return cls === 'a' || cls === 'w' || cls === 'u' ? `${out.slice(0, -2)}7q` : out;
  });
}
