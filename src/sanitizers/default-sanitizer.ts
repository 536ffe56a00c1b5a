import type { JsonValue } from '../cassette/types.js';
import { chain } from './chain.js';
import { configSecretsSanitizer, type ConfigSecretsOptions } from './config-secrets-sanitizer.js';
import { redactHeaders } from './header-sanitizer.js';
import { editJsonBody, type Message } from './message.js';
import { NameSet, validateNames } from './names.js';
import { redactParams } from './query-param-sanitizer.js';
import { redactJsonWhere } from './redact.js';
import type { SanitizeContext, Sanitizer } from './types.js';

/** Headers the default sanitizer always redacts (exact names). */
export const DEFAULT_SECRET_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token'];

/** Any header whose name contains one of these is redacted too (header names only, never params or fields). */
export const DEFAULT_SECRET_HEADER_PARTS: readonly string[] = ['token', 'secret', 'password', 'api-key', 'apikey'];

/**
 * Query parameters, form fields and JSON body fields (at any depth) the default sanitizer redacts.
 * Exact names, case-insensitive: `token` never touches `page_token`, `key` never `country_code`.
 */
export const DEFAULT_SECRET_PARAMS: readonly string[] = [
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'auth_token',
  'session_token',
  'api_key',
  'apikey',
  'key',
  'signature',
  'sig',
  'client_secret',
  'client_assertion',
  'password',
  'passwd',
  'secret',
  'private_key',
  'x-amz-signature',
  'x-amz-security-token',
  'x-amz-credential',
];

/** Options of {@link defaultSanitizer}. */
export interface DefaultSanitizerOptions {
  /** More header names to redact (exact, case-insensitive). */
  extraHeaders?: readonly string[];
  /** More query/form parameter names to redact. */
  extraParams?: readonly string[];
  /** More JSON field names to redact at any depth. */
  extraFields?: readonly string[];
  /** Default headers to keep after all (e.g. a non-secret `x-page-token`). */
  keepHeaders?: readonly string[];
  /** Default parameter names to keep (e.g. `key` when it names a record, not a credential). */
  keepParams?: readonly string[];
  /** Default JSON field names to keep (e.g. `key` in Jira issue bodies). */
  keepFields?: readonly string[];
  /** A component config whose `#` values are redacted wherever they appear (see `configSecretsSanitizer`). */
  config?: JsonValue;
  /** Options for the config's `configSecretsSanitizer`. */
  configOptions?: ConfigSecretsOptions;
}

function names(option: readonly string[] | undefined, label: string): string[] {
  return option === undefined ? [] : validateNames('defaultSanitizer', label, option);
}

/**
 * The sanitizer every cassette uses unless turned off. It redacts:
 * - headers `Authorization`, `Proxy-Authorization` (scheme kept: `Bearer [REDACTED:authorization]`),
 *   `Cookie`, `Set-Cookie` (cookie names and attributes kept), `X-Api-Key`, `X-Auth-Token`, and
 *   any header whose name contains `token`, `secret`, `password`, `api-key` or `apikey`;
 * - the {@link DEFAULT_SECRET_PARAMS} as URL query parameters, form-urlencoded body fields and
 *   JSON body fields at any depth (OAuth token responses included), matched as whole names;
 * - with `config`, the literal values of its `#` keys anywhere.
 *
 * Values become `[REDACTED:<name>]` (JSON numbers `0`, booleans `false`, so types survive). Each
 * redacted value is remembered: where it appears again later in the recording (a token from a
 * login response in a later URL), it is replaced with the same marker. Every other header
 * (`Link`, `Location`, `ETag`, `Retry-After`…) and every untouched URL or body is kept as it came.
 *
 * @example
 * defaultSanitizer({ extraHeaders: ['x-tenant'], extraFields: ['ssn'], keepFields: ['key'] })
 */
export function defaultSanitizer(options: DefaultSanitizerOptions = {}): Sanitizer {
  const keepHeaders = new NameSet(names(options.keepHeaders, 'keepHeaders'));
  const headerSet = new NameSet([...DEFAULT_SECRET_HEADERS.filter((h) => !keepHeaders.has(h)), ...names(options.extraHeaders, 'extraHeaders')]);
  const keepParams = new NameSet(names(options.keepParams, 'keepParams'));
  const paramSet = new NameSet([...DEFAULT_SECRET_PARAMS.filter((p) => !keepParams.has(p)), ...names(options.extraParams, 'extraParams')]);
  const keepFields = new NameSet(names(options.keepFields, 'keepFields'));
  const fieldSet = new NameSet([...DEFAULT_SECRET_PARAMS.filter((p) => !keepFields.has(p)), ...names(options.extraFields, 'extraFields')]);

  const isSecretHeader = (name: string): boolean => {
    if (headerSet.has(name)) return true;
    if (keepHeaders.has(name)) return false;
    const lower = name.toLowerCase();
    return DEFAULT_SECRET_HEADER_PARTS.some((part) => lower.includes(part));
  };
  const sanitize = (message: Message, ctx: SanitizeContext): void => {
    redactHeaders(message.headers, isSecretHeader, ctx);
    redactParams(message, paramSet, ctx);
    editJsonBody(message, (value) => redactJsonWhere(value, (_path, ownKey) => (ownKey !== undefined && fieldSet.has(ownKey) ? ownKey : undefined), ctx));
  };
  const base: Sanitizer = {
    name: 'defaultSanitizer',
    request(request, ctx) {
      sanitize(request, ctx);
    },
    response(response, ctx) {
      sanitize(response, ctx);
    },
  };
  if (options.config === undefined) return base;
  const combined = chain(configSecretsSanitizer(options.config, options.configOptions), base);
  return { ...combined, name: 'defaultSanitizer' };
}
