import { looksRandom, shannonEntropy } from './entropy.js';
import { classifyName, defaultNameLists, nameWords, normalizeName, type NameClass } from './names.js';
import { SHAPE_RULES, type ShapeRule } from './shapes.js';

/** Rule name of a value found under a credential name (`client_secret`, `X-Auth-Key`). */
export const CREDENTIAL_NAME_RULE = 'credential-name';
/** Rule name of a random-looking value under a name that holds a secret only when random (`…_key`, OAuth `code`). */
export const CREDENTIAL_ENTROPY_RULE = 'credential-entropy';

/** One secret found in a text. */
export interface SecretMatch {
  /** Rule that found it: a shape rule's name, {@link CREDENTIAL_NAME_RULE} or {@link CREDENTIAL_ENTROPY_RULE}. */
  readonly rule: string;
  /** Where the secret starts in the text (UTF-16 offset). */
  readonly start: number;
  /** Where it ends (exclusive). */
  readonly end: number;
  /** The secret as written in the text. */
  readonly value: string;
  /** For name rules: the name it was found under. */
  readonly name?: string;
}

/** Options of {@link SecretRules}: additions to the built-in rules and lists. */
export interface SecretRulesOptions {
  /** More value-shape rules. */
  rules?: readonly ShapeRule[];
  /** More credential names (whole names, any case or separators): `ssn`, `tenantSecretCode`. */
  secretNames?: readonly string[];
  /** Names that are not credentials although they look like one (`session_token` of a public demo). */
  nonSecretNames?: readonly string[];
  /** Values never reported: exact strings or patterns (a documented example key). */
  allow?: ReadonlyArray<string | RegExp>;
}

/** Armored blocks that are public by design: signatures, public keys, certificates (a commit's `signature`). */
const PUBLIC_BLOCK = /^(?![\s\S]*PRIVATE KEY)\s*-----BEGIN (?:PGP SIGNATURE|SSH SIGNATURE|PGP PUBLIC KEY BLOCK|PUBLIC KEY|RSA PUBLIC KEY|CERTIFICATE)-----[\s\S]*-----END [A-Z ]+-----\s*$/;

/** Values that stand for no secret: placeholders, booleans, masks. */
const PLACEHOLDER = /^(?:true|false|null|undefined|none|nil|string|\*+|x+|•+|\.+|-+|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|\$[A-Z_]+|%[A-Z_]+%)$/i;

/** `name: "value"` / `"name": "value"` / `name = "value"` (JSON text, GraphQL arguments, code, XML attributes). */
const QUOTED_PAIR = /(["']?)(?<![\w$.-])([A-Za-z_$][\w$.-]{0,63})\1\s*[:=]\s*(?:"((?:[^"\\\n]|\\.){1,4096})"|'([^'\n]{1,4096})')/g;
/** `name=value` separated by `&`, `;`, whitespace, or opening a bracket (query strings, fragments, forms, text/plain OAuth replies, error messages). */
const BARE_PAIR = /(?:^|[?&#;,\s([{])([A-Za-z_][\w.[\]-]{0,63})=([^&\s#"'<>;,]{1,4096})/g;
/** The bracket that closes the one a pair opened with (`(client_secret=…)`): not part of the value. */
const CLOSER: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
/** `<name>value</name>` and `<name><![CDATA[value]]></name>` (XML, SOAP). */
const XML_ELEMENT = /<((?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]{0,63}))(?:\s[^>]*)?>(?:<!\[CDATA\[([^\]]{1,4096})\]\]>|([^<]{1,4096}))<\/\1>/g;
/**
 * A multipart part as raw text (a large upload streamed to a side file): `name="…"` in its
 * Content-Disposition, its headers, a blank line, then the value up to the next boundary.
 */
const MULTIPART_PART = /content-disposition:[^\r\n]*?\bname="([^"\r\n]{1,64})"[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n((?:(?!\r\n--)[\s\S]){1,4096}?)(?=\r\n--)/gi;
/** An HTML tag that names its value: `<meta name="csrf-token" content="…">`, `<input name="authenticity_token" value="…">`. */
const NAMED_TAG = /<(?:meta|input|param)\s[^>]{0,4096}>/gi;
const NAME_ATTR = /\sname\s*=\s*(["'])([^"'\s]{1,64})\1/i;
const VALUE_ATTR = /\s(?:content|value)\s*=\s*(["'])([^"']{1,4096})\1/i;

/**
 * Substrings (case-insensitive) that every built-in credential name contains: the last words of
 * {@link SECRET_LAST_WORDS} (`passw` for password/passwd, `sig` for signature, `auth` for
 * authorization), `key` (every `…key` name), `code`, `state`, `sid`, `sess`. A name added by the
 * user adds its own last word.
 */
const PAIR_HINTS: readonly string[] = ['secret', 'passw', 'passphrase', 'pwd', 'token', 'key', 'credential', 'sig', 'auth', 'cookie', 'assertion', 'code', 'state', 'sid', 'sess'];

/**
 * Percent-decodes a URL or form value one byte per char (`+` is a space), with each decoded char's
 * offset in the encoded text, so a secret found in the decoded text is redacted where it is written.
 */
function percentDecoded(text: string): { decoded: string; at: number[] } {
  let decoded = '';
  const at: number[] = [];
  for (let i = 0; i < text.length; i++) {
    at.push(i);
    if (text[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      decoded += String.fromCharCode(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else decoded += text[i] === '+' ? ' ' : text[i];
  }
  return { decoded, at };
}

/**
 * `\"name\": \"value\"`: a pair of JSON held in a JSON string, read as raw text (an NDJSON line,
 * an SSE event, a side file), at any depth of escaping (the backslash run is the same throughout).
 * Anchored on the escaped quotes, so a text cut from a stream inside a string still shows it.
 */
const ESCAPED_PAIR = /(\\+)"([A-Za-z_$][\w$.-]{0,63})\1"\s*:\s*\1"((?:(?!\1")[^\n]){1,4096}?)\1"/g;

/** How many levels of percent-encoding the pair search looks through. */
const DECODE_LEVELS = 2;

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * The secrets rules engine, shared by the recorder's default sanitizer and `reeltape audit`: what
 * audit would flag is what recording redacts. It finds secrets by value shape (see
 * {@link SHAPE_RULES}) anywhere in a text, by credential name for a value given with its name,
 * and by name inside texts that carry `name=value`, `"name": "value"`, `name: "value"` or
 * `<name>value</name>` pairs. Redaction markers and allow-listed values are never reported.
 *
 * @example
 * const rules = new SecretRules({ secretNames: ['ssn'] });
 * rules.find('{"clientSecret":"s3cr3t-value"}') // [{ rule: 'credential-name', name: 'clientSecret', … }]
 */
export class SecretRules {
  readonly #shapes: ShapeRule[] = [];
  readonly #lists = defaultNameLists();
  readonly #allow: Array<string | RegExp> = [];
  /** Name verdicts so far (names repeat across interactions; normalizing one costs a few regexes). */
  readonly #names = new Map<string, NameClass>();
  /** Every rule's keywords in one regex: a text with none of them skips the shape rules at once. */
  #anyKeyword: RegExp | undefined;
  /** Words every credential name contains (see {@link PAIR_HINTS}): a text with none of them has no credential pair. */
  readonly #pairHints = [...PAIR_HINTS];
  #pairHint: RegExp | undefined;

  /** @param options additions to the built-in rules */
  constructor(options: SecretRulesOptions = {}) {
    for (const rule of [...SHAPE_RULES, ...(options.rules ?? [])]) this.addRule(rule);
    for (const name of options.secretNames ?? []) this.addSecretName(name);
    for (const name of options.nonSecretNames ?? []) this.addNonSecretName(name);
    for (const value of options.allow ?? []) this.#allow.push(value);
  }

  /**
   * Adds a value-shape rule (its pattern must be global).
   *
   * @example
   * rules.addRule({ name: 'acme-key', doc: 'Acme keys', keywords: ['acme_'], pattern: /\bacme_[a-z0-9]{32}\b/g, examples: { match: ['acme_{h:32}'], noMatch: [] } })
   */
  addRule(rule: ShapeRule): void {
    if (!rule.pattern.global) throw new TypeError(`Secret rule ${rule.name}: its pattern must have the g flag.`);
    this.#shapes.push(rule);
    this.#anyKeyword = undefined;
  }

  /** Makes a whole name a credential name (any case or separators). */
  addSecretName(name: string): void {
    const n = normalizeName(name);
    (this.#lists.secretNames as Set<string>).add(n);
    (this.#lists.nonSecret as Set<string>).delete(n);
    this.#names.clear();
    const last = nameWords(name).pop();
    if (last !== undefined) this.#pairHints.push(last);
    this.#pairHint = undefined;
  }

  /** Makes a whole name a non-credential (never redacted by name). */
  addNonSecretName(name: string): void {
    (this.#lists.nonSecret as Set<string>).add(normalizeName(name));
    this.#names.clear();
  }

  /** The value-shape rules in use. */
  get shapeRules(): readonly ShapeRule[] {
    return this.#shapes;
  }

  /** How a name classifies its value (`'secret'`, `'secret-if-random'` or `undefined`). */
  classifyName(name: string): NameClass {
    if (this.#names.has(name)) return this.#names.get(name);
    const verdict = classifyName(name, this.#lists);
    if (this.#names.size < 10_000) this.#names.set(name, verdict);
    return verdict;
  }

  /** Whether a value is never a secret: empty, a marker, a placeholder, a public armored block (signature, public key, certificate), or allow-listed. */
  isIgnored(value: string): boolean {
    if (value.trim() === '' || value.includes('[REDACTED') || PLACEHOLDER.test(value.trim()) || PUBLIC_BLOCK.test(value)) return true;
    return this.#allow.some((a) => (typeof a === 'string' ? a === value : a.test(value)));
  }

  /** The rule a value found under `name` breaks, if any. */
  nameRule(name: string, value: string): string | undefined {
    const cls = this.classifyName(name);
    if (cls === undefined || this.isIgnored(value)) return undefined;
    if (cls === 'secret') return CREDENTIAL_NAME_RULE;
    return looksRandom(value) ? CREDENTIAL_ENTROPY_RULE : undefined;
  }

  /** Secrets found by value shape alone. */
  findShapes(text: string): SecretMatch[] {
    const out: SecretMatch[] = [];
    // one pass finds which keywords occur (overlapping ones too); only their rules run
    this.#anyKeyword ??= this.#keywordRegex();
    const seen = new Set<string>();
    const any = this.#anyKeyword;
    any.lastIndex = 0;
    for (let m = any.exec(text); m !== null; m = any.exec(text)) {
      seen.add(m[0].toLowerCase());
      any.lastIndex = m.index + 1;
    }
    for (const rule of this.#shapes) {
      if (rule.keywords.length > 0 && !rule.keywords.some((k) => seen.has(k))) continue;
      rule.pattern.lastIndex = 0;
      for (const m of text.matchAll(rule.pattern)) {
        const value = m[1] ?? m[0];
        const start = (m.index ?? 0) + (m[1] !== undefined ? m[0].indexOf(m[1]) : 0);
        if (this.isIgnored(value) || rule.allow?.some((a) => a.test(value))) continue;
        if (rule.minEntropy !== undefined && shannonEntropy(value) < rule.minEntropy) continue;
        out.push({ rule: rule.name, start, end: start + value.length, value });
      }
    }
    return out;
  }

  /** One global, case-insensitive regex for all keywords (rules without keywords always run). */
  #keywordRegex(): RegExp {
    const escaped = this.#shapes.flatMap((r) => r.keywords).map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(escaped.length > 0 ? escaped.join('|') : '(?!)', 'gi');
  }

  /**
   * Secrets found by name inside a text's `name=value`, `"name": "value"`, `<name>value</name>`,
   * `<meta name="…" content="…">` pairs and raw multipart parts; inside a percent-encoded `name=value` value (a URL or a
   * GraphQL query passed as a parameter), by shape and by name once decoded.
   */
  findPairs(text: string): SecretMatch[] {
    return this.#pairs(text, DECODE_LEVELS);
  }

  /** Secrets in a percent-encoded `value` once decoded, at their offsets in `value` (+ `offset`). */
  #decoded(value: string, offset: number, levels: number): SecretMatch[] {
    const { decoded, at } = percentDecoded(value);
    return [...this.findShapes(decoded), ...this.#pairs(decoded, levels - 1)].map((m) => {
      const start = offset + (at[m.start] as number);
      const end = offset + (m.end < at.length ? (at[m.end] as number) : value.length);
      const found = { rule: m.rule, start, end, value: value.slice(start - offset, end - offset) };
      return m.name !== undefined ? { ...found, name: m.name } : found;
    });
  }

  /** Pairs in `text`, looking through up to `levels` more levels of encoding. */
  #pairs(text: string, levels: number): SecretMatch[] {
    const out: SecretMatch[] = [];
    this.#pairHint ??= new RegExp(this.#pairHints.map((w) => w.replace(/[^a-z0-9]/gi, '')).join('|'), 'i');
    // percent-encoded values can hide a shape (`%3A%2F%2F`) or a whole query: they are decoded even without a hint
    if (!this.#pairHint.test(text) && !(levels > 0 && text.includes('%'))) return out;
    const add = (name: string, value: string, start: number, decoded = value): void => {
      const rule = this.nameRule(name, decoded);
      if (rule) out.push({ rule, start, end: start + value.length, value, name });
    };
    if (text.includes('=') || text.includes(':')) {
      for (const m of text.matchAll(QUOTED_PAIR)) {
        const value = m[3] ?? m[4] ?? '';
        add(m[2] as string, value, (m.index ?? 0) + m[0].length - value.length - 1);
      }
    }
    if (text.includes('=')) {
      for (const m of text.matchAll(BARE_PAIR)) {
        const closer = CLOSER[m[0][0] as string];
        const value = closer !== undefined && (m[2] as string).endsWith(closer) ? (m[2] as string).slice(0, -1) : (m[2] as string);
        const start = (m.index ?? 0) + m[0].length - (m[2] as string).length;
        const before = out.length;
        add(decodeComponent(m[1] as string), value, start, decodeComponent(value));
        if (out.length === before && levels > 0 && value.includes('%')) out.push(...this.#decoded(value, start, levels));
      }
    }
    if (text.includes('\\"')) {
      ESCAPED_PAIR.lastIndex = 0;
      for (let m = ESCAPED_PAIR.exec(text); m !== null; m = ESCAPED_PAIR.exec(text)) {
        const value = m[3] as string;
        const start = m.index + m[0].length - value.length - (m[1] as string).length - 1;
        add(m[2] as string, value, start, value.replace(/\\(.)/g, '$1'));
        ESCAPED_PAIR.lastIndex = start; // a value may hold JSON escaped one level deeper: look inside it too
      }
    }
    if (text.includes('</')) {
      for (const m of text.matchAll(XML_ELEMENT)) {
        const value = (m[3] ?? m[4]) as string;
        if (value.trim() === value) add(m[2] as string, value, (m.index ?? 0) + m[0].indexOf(value, m[0].indexOf('>') + 1));
      }
    }
    if (/content-disposition:/i.test(text)) {
      for (const m of text.matchAll(MULTIPART_PART)) {
        const value = m[2] as string;
        add(m[1] as string, value, (m.index ?? 0) + m[0].length - value.length);
      }
    }
    if (/<(?:meta|input|param)\s/i.test(text)) {
      for (const m of text.matchAll(NAMED_TAG)) {
        const name = NAME_ATTR.exec(m[0]);
        const value = VALUE_ATTR.exec(m[0]);
        if (name && value) add(name[2] as string, value[2] as string, (m.index ?? 0) + value.index + value[0].length - (value[2] as string).length - 1);
      }
    }
    return out;
  }

  /**
   * Every secret in a text, sorted and without overlaps: the whole text when `name` is a
   * credential name, else shapes and pairs inside it.
   *
   * @param name the field, header or parameter name the text is the value of, if any
   */
  find(text: string, name?: string): SecretMatch[] {
    if (name !== undefined) {
      const rule = this.nameRule(name, text);
      if (rule) return [{ rule, start: 0, end: text.length, value: text, name }];
    }
    const all = [...this.findShapes(text), ...this.findPairs(text)].sort((a, b) => a.start - b.start || b.end - a.end);
    const out: SecretMatch[] = [];
    let end = -1;
    for (const m of all) {
      if (m.start < end) continue;
      out.push(m);
      end = m.end;
    }
    return out;
  }

  /**
   * Replaces every secret {@link find} finds with `marker(match)`, reporting each to `onSecret`.
   * Returns the same string when nothing was found.
   */
  redact(text: string, marker: (m: SecretMatch) => string, onSecret?: (m: SecretMatch, marker: string) => void, name?: string): string {
    const found = this.find(text, name);
    if (found.length === 0) return text;
    let out = '';
    let at = 0;
    for (const m of found) {
      const replacement = marker(m);
      onSecret?.(m, replacement);
      out += text.slice(at, m.start) + replacement;
      at = m.end;
    }
    return out + text.slice(at);
  }
}
