/**
 * Credential names: which field, header and parameter names hold secrets. Names are compared
 * after normalizing case and separators, so `clientSecret` = `client_secret` = `Client-Secret`.
 */

/**
 * Splits a name into lower-case words at separators and camelCase humps.
 *
 * @example
 * nameWords('X-Auth-Key') // ['x', 'auth', 'key']
 * nameWords('SecretAccessKey') // ['secret', 'access', 'key']
 */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
}

/**
 * A name in its compared form: lower case, no separators.
 *
 * @example
 * normalizeName('Client-Secret') // 'clientsecret'
 */
export function normalizeName(name: string): string {
  return nameWords(name).join('');
}

/** How a name classifies its value. */
export type NameClass = 'secret' | 'secret-if-random' | undefined;

/** Last words that make a name a credential (`db_password`, `webhookSecret`, `x-amz-security-token`). */
export const SECRET_LAST_WORDS: readonly string[] = [
  'secret', 'password', 'passwd', 'passphrase', 'pwd', 'token', 'apikey', 'credential', 'credentials',
  'signature', 'authorization', 'cookie', 'assertion',
];

/** Whole names (normalized) that are credentials although their last word is not one of {@link SECRET_LAST_WORDS}. */
export const SECRET_NAMES: readonly string[] = [
  'apikey', 'privatekey', 'secretkey', 'secretaccesskey', 'subscriptionkey', 'ocpapimsubscriptionkey', 'authkey', 'xauthkey',
  'signingkey', 'encryptionkey', 'masterkey', 'accountkey', 'sharedkey', 'clientkey', 'licensekey', 'accesskey',
  'sig', 'auth', 'xapikey', 'sessionid', 'sid', 'jsessionid', 'phpsessid',
];

/** Whole names (normalized) whose value is a credential only when it looks random (OAuth `code`, `…_key`). */
export const RANDOM_ONLY_NAMES: readonly string[] = ['code', 'key', 'state'];

/**
 * Names (normalized) that look like credentials but are not: pagination tokens and cursors, token
 * metadata, public keys, idempotency keys, ids and addresses. They are never redacted by name.
 */
export const NON_SECRET_NAMES: readonly string[] = [
  'nextpagetoken', 'pagetoken', 'nexttoken', 'continuationtoken', 'paginationtoken', 'synctoken', 'pagingtoken',
  'prevpagetoken', 'previouspagetoken', 'resumetoken', 'cursor', 'nextcursor', 'sessionstate', 'publickey',
  'idempotencykey', 'partitionkey', 'sortkey', 'cachekey', 'objectkey', 'primarykey', 'foreignkey', 'rowkey',
  'keyid', 'kid', 'tokentype', 'tokenendpoint', 'countrycode', 'state', 'statuscode', 'errorcode', 'currencycode',
  'languagecode', 'postalcode', 'zipcode', 'tokencount', 'maxtokens', 'inputtokens', 'outputtokens', 'totaltokens',
  'keyname', 'keytype', 'secretname', 'secretid', 'csrftokenname', 'publishablekey', 'sitekey', 'recaptchasitekey',
];

/** Last words that make a name an address, a count or metadata, never a credential (`password_reset_url`). */
const NON_SECRET_LAST_WORDS = new Set(['url', 'uri', 'endpoint', 'type', 'id', 'ids', 'name', 'count', 'length', 'expiry', 'expires', 'at', 'in', 'hint', 'format', 'algorithm', 'alg', 'method', 'policy', 'required', 'enabled', 'set', 'tokens']);

/** Adjustable name lists (a rules engine holds one; users extend it). */
export interface NameLists {
  readonly secretWords: ReadonlySet<string>;
  readonly secretNames: ReadonlySet<string>;
  readonly randomOnly: ReadonlySet<string>;
  readonly nonSecret: ReadonlySet<string>;
}

/**
 * Classifies a name: `'secret'` (its value is a credential), `'secret-if-random'` (only when the
 * value looks random: `…key`, OAuth `code`), or `undefined` (not a credential name).
 *
 * @example
 * classifyName('clientSecret', lists) // 'secret'
 * classifyName('next_page_token', lists) // undefined
 */
export function classifyName(name: string, lists: NameLists): NameClass {
  const words = nameWords(name);
  if (words.length === 0) return undefined;
  const joined = words.join('');
  if (lists.nonSecret.has(joined)) return undefined;
  // a look-alike with a prefix is one too: `NextContinuationToken`, `endCursor`, `x_public_key`
  for (let i = 1; i < words.length - 1; i++) if (lists.nonSecret.has(words.slice(i).join(''))) return undefined;
  if (lists.secretNames.has(joined)) return 'secret';
  if (lists.randomOnly.has(joined)) return 'secret-if-random';
  const last = words[words.length - 1] as string;
  if (NON_SECRET_LAST_WORDS.has(last)) return undefined;
  if (lists.secretWords.has(last)) return 'secret';
  if (last === 'key') return 'secret-if-random';
  return undefined;
}

/**
 * The default name lists, as sets.
 *
 * @example
 * classifyName('X-Auth-Key', defaultNameLists()) // 'secret'
 */
export function defaultNameLists(): NameLists {
  return {
    secretWords: new Set(SECRET_LAST_WORDS),
    secretNames: new Set(SECRET_NAMES),
    randomOnly: new Set(RANDOM_ONLY_NAMES),
    nonSecret: new Set(NON_SECRET_NAMES.filter((n) => !RANDOM_ONLY_NAMES.includes(n))),
  };
}
