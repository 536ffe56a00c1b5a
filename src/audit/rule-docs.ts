import { CREDENTIAL_ENTROPY_RULE, CREDENTIAL_NAME_RULE, SHAPE_RULES } from '../secrets/index.js';

/** Rule of a literal `#` config value (or a value passed in `secrets`) found in a cassette. */
export const CONFIG_SECRET_RULE = 'config-secret';
/** Rule of a file the audit could not read, decode or parse: never reported as clean. */
export const UNREADABLE_RULE = 'unreadable-file';

/**
 * Every rule `reeltape audit` reports, with its doc line: the secrets engine's shape rules, its
 * name rules, and the audit's own two.
 *
 * @example
 * auditRuleDocs().find((r) => r.name === 'jwt')?.doc
 */
export function auditRuleDocs(extra: ReadonlyArray<{ name: string; doc: string }> = []): Array<{ name: string; doc: string }> {
  return [
    ...SHAPE_RULES.map((r) => ({ name: r.name, doc: r.doc })),
    ...extra,
    { name: CREDENTIAL_NAME_RULE, doc: 'A value under a credential name (`client_secret`, `clientSecret`, `X-Auth-Key`, `…password`, `…token`), in a header, URL parameter, form field, JSON field, XML element or GraphQL argument.' },
    { name: CREDENTIAL_ENTROPY_RULE, doc: 'A random-looking value (16+ characters, high entropy, not a UUID or URL) under a name that holds a secret only when random (`…_key`, OAuth `code`, `state`).' },
    { name: CONFIG_SECRET_RULE, doc: 'A literal `#` value of a component config (or a given secret), raw, URL-encoded, base64, hex or JSON-escaped.' },
    { name: UNREADABLE_RULE, doc: 'A file that could not be read, decoded or parsed as a cassette: it was not (fully) audited.' },
  ];
}
