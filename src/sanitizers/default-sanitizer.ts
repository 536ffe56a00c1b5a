import type { JsonValue } from '../cassette/types.js';
import { SecretRules, type SecretRulesOptions } from '../secrets/index.js';
import { chain } from './chain.js';
import { configSecretsSanitizer, type ConfigSecretsOptions } from './config-secrets-sanitizer.js';
import { NameSet, validateNames } from './names.js';
import { redactJson, redactMessage, redactText } from './rules-redactor.js';
import type { Sanitizer } from './types.js';

/** Headers the default sanitizer always redacts whole (exact names; scheme and cookie names kept). */
export const DEFAULT_SECRET_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token'];

/** Options of {@link defaultSanitizer}. */
export interface DefaultSanitizerOptions {
  /** More header names to redact whole (exact, case-insensitive). */
  extraHeaders?: readonly string[];
  /** More credential names for query/form/fragment parameters (any case or separators). */
  extraParams?: readonly string[];
  /** More credential names for JSON fields and other body pairs (any case or separators). */
  extraFields?: readonly string[];
  /** Headers to keep as they came after all (e.g. a non-secret `x-page-token`). */
  keepHeaders?: readonly string[];
  /** Parameter names that are not credentials here (e.g. `session_token` of a public demo). */
  keepParams?: readonly string[];
  /** Field names that are not credentials here. */
  keepFields?: readonly string[];
  /** More rules, names and allow-listed values for the secrets engine (see `SecretRules`). */
  rules?: SecretRulesOptions;
  /** A component config whose `#` values are redacted wherever they appear (see `configSecretsSanitizer`). */
  config?: JsonValue;
  /** Options for the config's `configSecretsSanitizer`. */
  configOptions?: ConfigSecretsOptions;
}

function names(option: readonly string[] | undefined, label: string): string[] {
  return option === undefined ? [] : validateNames('defaultSanitizer', label, option);
}

/**
 * The secrets engine the default sanitizer with these options uses; `reeltape audit` builds the
 * same one, so what audit flags is what recording redacts.
 *
 * @example
 * defaultSecretRules({ extraFields: ['ssn'] }).find('{"ssn":"123-45-6789"}').length // 1
 */
export function defaultSecretRules(options: DefaultSanitizerOptions = {}): SecretRules {
  const extra = [...names(options.extraParams, 'extraParams'), ...names(options.extraFields, 'extraFields')];
  const keep = [...names(options.keepParams, 'keepParams'), ...names(options.keepFields, 'keepFields')];
  return new SecretRules({
    ...options.rules,
    secretNames: [...(options.rules?.secretNames ?? []), ...extra],
    nonSecretNames: [...(options.rules?.nonSecretNames ?? []), ...keep],
  });
}

/**
 * The sanitizer every cassette uses unless turned off. With the secrets engine (`SecretRules`)
 * it redacts, in requests and responses:
 * - credential-shaped values anywhere (GitHub, GitLab, AWS, Slack, Stripe, OpenAI, Anthropic,
 *   Google, npm, Telegram tokens, JWTs, PEM private keys, URL passwords, `Bearer` credentials):
 *   every header, every URL part (path segments, query, fragment) and every body kind;
 * - values under credential names, normalized across case and separators (`clientSecret` =
 *   `client_secret` = `Client-Secret`; `…secret`, `…password`, `…token`, `…_key` when random),
 *   never the look-alikes (`next_page_token`, `cursor`, `public_key`, `*_url`…): headers
 *   (`Authorization` keeps its scheme, `Cookie`/`Set-Cookie` their cookie names), query and
 *   fragment parameters, form fields, JSON fields at any depth (also JSON inside a string),
 *   `name=value` text replies, XML elements, GraphQL variables and inline arguments, multipart
 *   parts (stored readable);
 * - with `config`, the literal values of its `#` keys anywhere.
 *
 * Values become `[REDACTED:<name or rule>]` (JSON numbers `0`, so types survive). Each redacted
 * value is remembered: where it appears again later in the recording, it is replaced with the
 * same marker. Every other header and every untouched URL or body is kept as it came.
 *
 * @example
 * defaultSanitizer({ extraHeaders: ['x-tenant'], extraFields: ['ssn'], keepFields: ['session_token'] })
 */
export function defaultSanitizer(options: DefaultSanitizerOptions = {}): Sanitizer {
  const keepHeaders = new NameSet(names(options.keepHeaders, 'keepHeaders'));
  const headerSet = new NameSet([...DEFAULT_SECRET_HEADERS.filter((h) => !keepHeaders.has(h)), ...names(options.extraHeaders, 'extraHeaders')]);
  const rules = defaultSecretRules(options);
  const isSecretHeader = (name: string): boolean | undefined => (headerSet.has(name) ? true : keepHeaders.has(name) ? false : undefined);
  const base: Sanitizer = {
    name: 'defaultSanitizer',
    request(request, ctx) {
      redactMessage(request, rules, ctx, isSecretHeader);
    },
    response(response, ctx) {
      redactMessage(response, rules, ctx, isSecretHeader);
    },
    meta(meta, ctx) {
      // what `fn` threw while recording is stored too: a token in its message is no less a secret
      if (meta.error) meta.error = { name: redactText(meta.error.name, rules, ctx), message: redactText(meta.error.message, rules, ctx) };
      if (meta.extra) meta.extra = redactJson(meta.extra, rules, ctx).value as NonNullable<typeof meta.extra>;
    },
  };
  if (options.config === undefined) return base;
  const combined = chain(configSecretsSanitizer(options.config, options.configOptions), base);
  return { ...combined, name: 'defaultSanitizer' };
}
