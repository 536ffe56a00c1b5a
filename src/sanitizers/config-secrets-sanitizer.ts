import type { JsonValue } from '../cassette/types.js';
import { ReeltapeConfigError } from '../errors/index.js';
import { literalReplacer, type LiteralSecret } from './literal-replacer.js';
import { isRedactionMarker, redactionMarker } from './markers.js';
import { mapMessageStrings } from './message.js';
import { registerSecret } from './redact.js';
import { MIN_SECRET_LENGTH } from './secret-set.js';
import type { Sanitizer } from './types.js';

/** Options of {@link configSecretsSanitizer}. */
export interface ConfigSecretsOptions {
  /** More literal secrets to redact (each at least 6 characters), replaced with `[REDACTED:secret]`. */
  values?: readonly string[];
  /** Store the config, with every `#` value masked, in `meta.extra.config` of the cassette. Default `false`. */
  storeConfig?: boolean;
}

function refuseShort(where: string, value: string): never {
  throw new ReeltapeConfigError(
    `configSecretsSanitizer: the secret ${where} is ${value.length} character(s) long; reeltape refuses literal secrets shorter than ${MIN_SECRET_LENGTH} ` +
      'characters because replacing them would corrupt unrelated text. Use a longer (dummy) value, or redact that field by name with bodyFieldSanitizer/headerSanitizer/queryParamSanitizer.',
  );
}

/**
 * Collects the literal secrets of a component config: every value under a key starting with `#`
 * (the Keboola convention), at any depth. Strings are taken as they are (empty ones and
 * redaction markers skipped), numbers as text when at least 6 digits long, objects and arrays
 * under a `#` key leaf by leaf.
 *
 * @param options `skipShort`: ignore `#` strings of 1–5 characters instead of throwing (the audit does)
 * @throws ReeltapeConfigError for a `#` string of 1–5 characters (unless `skipShort`)
 */
export function collectConfigSecrets(config: JsonValue, options: { skipShort?: boolean } = {}): LiteralSecret[] {
  const found: LiteralSecret[] = [];
  const seen = new Set<string>();
  const take = (value: JsonValue, key: string, where: string): void => {
    if (typeof value === 'string') {
      if (value === '' || isRedactionMarker(value)) return;
      if (value.length < MIN_SECRET_LENGTH) {
        if (options.skipShort) return;
        refuseShort(`at ${where}`, value);
      }
      if (!seen.has(value)) found.push({ value, marker: redactionMarker(key) });
      seen.add(value);
    } else if (typeof value === 'number') {
      const text = String(value);
      if (text.length >= MIN_SECRET_LENGTH && !seen.has(text)) found.push({ value: text, marker: redactionMarker(key) }), seen.add(text);
    } else if (Array.isArray(value)) value.forEach((v, i) => take(v, key, `${where}[${i}]`));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) take(v, key, `${where}.${k}`);
  };
  const walk = (value: JsonValue, where: string): void => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`));
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const here = where ? `${where}.${k}` : k;
        if (k.startsWith('#')) take(v, k, here);
        else walk(v, here);
      }
    }
  };
  walk(config, '');
  return found;
}

/** A copy of the config with every `#` value replaced by its marker. */
export function maskConfigSecrets(config: JsonValue): JsonValue {
  const mask = (value: JsonValue, secretKey: string | undefined): JsonValue => {
    if (Array.isArray(value)) return value.map((v) => mask(v, secretKey));
    if (value !== null && typeof value === 'object') {
      const out: { [key: string]: JsonValue } = {};
      for (const [k, v] of Object.entries(value)) out[k] = mask(v, secretKey ?? (k.startsWith('#') ? k : undefined));
      return out;
    }
    if (secretKey === undefined || value === null || value === '') return value;
    return redactionMarker(secretKey);
  };
  return mask(config, undefined);
}

/**
 * Redacts the literal values of a component config's `#` keys (and any `values` given), wherever
 * they appear in an interaction: URL, header values, text and JSON bodies, as raw text,
 * URL-encoded or base64. Each becomes `[REDACTED:#key]`. Binary bodies are not rewritten but the
 * pre-write leak scan still checks them. The values are this sanitizer's `secrets`, so the leak
 * scan always looks for them.
 *
 * In replay, build it from the replay config (with dummy values): the live request is redacted to
 * the same markers and still matches.
 *
 * @throws ReeltapeConfigError when a secret is 1–5 characters long
 * @example
 * configSecretsSanitizer({ parameters: { '#api_token': process.env.API_TOKEN ?? 'dummy-token' } }, { storeConfig: true })
 */
export function configSecretsSanitizer(config: JsonValue, options: ConfigSecretsOptions = {}): Sanitizer {
  const secrets = collectConfigSecrets(config);
  const known = new Set(secrets.map((s) => s.value));
  for (const [i, value] of (options.values ?? []).entries()) {
    if (typeof value !== 'string') throw new ReeltapeConfigError(`configSecretsSanitizer: values[${i}] must be a string, got ${typeof value}.`);
    if (value.length < MIN_SECRET_LENGTH) refuseShort(`values[${i}]`, value);
    if (!known.has(value)) secrets.push({ value, marker: redactionMarker('secret') }), known.add(value);
  }
  const replace = literalReplacer(secrets);
  const sanitizer: Sanitizer = {
    name: 'configSecretsSanitizer',
    secrets: secrets.map((s) => s.value),
    request(request, ctx) {
      for (const s of secrets) registerSecret(ctx, s.value, s.marker ?? redactionMarker('secret'));
      mapMessageStrings(request, replace);
    },
    response(response) {
      mapMessageStrings(response, replace);
    },
  };
  if (options.storeConfig) {
    const masked = maskConfigSecrets(config);
    return {
      ...sanitizer,
      meta(meta) {
        meta.extra = { ...meta.extra, config: masked };
      },
    };
  }
  return sanitizer;
}
