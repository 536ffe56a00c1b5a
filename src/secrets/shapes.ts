/**
 * Value-shape rules: credentials recognized by their shape wherever they appear (any header, URL
 * part or body), after gitleaks' rule set: a regex, keywords as a cheap prefilter, an optional
 * minimum entropy of the secret part, and allow-list patterns for documented example values.
 */

/** One value-shape rule. */
export interface ShapeRule {
  /** Rule name, used in markers (`[REDACTED:github-token]`) and audit findings. */
  readonly name: string;
  /** One line: what it finds. */
  readonly doc: string;
  /** Lower-case substrings, one of which must occur in the text for the regex to run. */
  readonly keywords: readonly string[];
  /** The shape; must be global (`g`). Group 1, when present, is the secret part. */
  readonly pattern: RegExp;
  /** Minimum Shannon entropy (bits/char) of the secret part, if any. */
  readonly minEntropy?: number;
  /** A secret part matching one of these is not reported (documentation examples). */
  readonly allow?: readonly RegExp[];
  /** Templates (see `expandExample`) the rule must find, and texts it must not. */
  readonly examples: { readonly match: readonly string[]; readonly noMatch: readonly string[] };
}

/** A PEM private-key block template, assembled so no source line holds a key-shaped literal. */
function pemTemplate(kind: string): string {
  const label = ['PRIVATE', 'KEY-----'].join(' ');
  return `-----BEGIN ${kind}${label}\n{a:64}\n{a:20}\n-----END ${kind}${label}`;
}

/** The built-in value-shape rules. */
export const SHAPE_RULES: readonly ShapeRule[] = [
  {
    name: 'private-key',
    doc: 'PEM private key blocks (RSA, EC, OPENSSH, PGP, PKCS#8), header to footer.',
    keywords: ['private key'],
    pattern: /-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    examples: {
      match: [pemTemplate('RSA '), `x ${pemTemplate('')} y`],
      noMatch: ['-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----', '-----BEGIN CERTIFICATE-----'],
    },
  },
  {
    name: 'jwt',
    doc: 'JSON Web Tokens: three base64url parts, the first two JSON objects (`eyJ…`).',
    keywords: ['eyj'],
    pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
    examples: { match: ['eyJhbGciOiJIUzI1NiJ9.eyJ{u:40}.{u:43}', 'Bearer eyJ{u:20}.eyJ{u:30}.{u:20}'], noMatch: ['eyJhbGciOiJIUzI1NiJ9', 'eyJ.eyJ.x'] },
  },
  {
    name: 'github-token',
    doc: 'GitHub tokens: `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` + 36, and fine-grained `github_pat_`.',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g,
    minEntropy: 3,
    examples: { match: ['ghp_{a:36}', 'token ghs_{a:36} x', 'github_pat_{a:22}_{a:59}'], noMatch: ['ghp_short', 'ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'] },
  },
  {
    name: 'gitlab-token',
    doc: 'GitLab personal, project and group access tokens (`glpat-`).',
    keywords: ['glpat-'],
    pattern: /\bglpat-[A-Za-z0-9_-]{20,}/g,
    minEntropy: 3,
    examples: { match: ['glpat-{a:20}'], noMatch: ['glpat-'] },
  },
  {
    name: 'aws-access-key-id',
    doc: 'AWS access key ids (`AKIA`, `ASIA`, `ABIA`, `ACCA`, `A3T…` + 16); ids ending in `EXAMPLE` are allowed.',
    keywords: ['akia', 'asia', 'abia', 'acca', 'a3t'],
    pattern: /\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b/g,
    minEntropy: 3,
    allow: [/EXAMPLE$/],
    examples: { match: ['AKIA{A:16}', 'id=ASIA{A:16}&x=1'], noMatch: ['AKIAIOSFODNN7EXAMPLE', 'AKIA1234'] },
  },
  {
    name: 'slack-token',
    doc: 'Slack bot, user, app and config tokens (`xoxb-`, `xoxp-`, `xoxa-`, `xoxe-`, `xapp-`…).',
    keywords: ['xox', 'xapp-'],
    pattern: /\b(?:xox[abeoprs](?:\.xox[a-z]+)?-[0-9A-Za-z-]{10,}|xapp-\d-[0-9A-Za-z-]{10,})/g,
    examples: { match: ['xoxb-{d:12}-{d:13}-{a:24}', 'xapp-1-{A:11}-{d:13}-{h:64}'], noMatch: ['xoxb-', 'xoxb-1'] },
  },
  {
    name: 'stripe-key',
    doc: 'Stripe secret and restricted keys (`sk_live_`, `rk_live_`, `sk_test_`, `rk_test_`) and webhook secrets (`whsec_`).',
    keywords: ['sk_live_', 'rk_live_', 'sk_test_', 'rk_test_', 'whsec_'],
    pattern: /\b(?:(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}|whsec_[0-9A-Za-z]{24,})/g,
    minEntropy: 3,
    examples: { match: ['sk_live_{a:24}', 'rk_test_{a:40}', 'whsec_{a:32}'], noMatch: ['pk_live_51Hx', 'sk_live_'] },
  },
  {
    name: 'openai-key',
    doc: 'OpenAI keys: project, service-account and admin keys (`sk-proj-`, `sk-svcacct-`, `sk-admin-`) and legacy keys holding `T3BlbkFJ`.',
    keywords: ['sk-proj-', 'sk-svcacct-', 'sk-admin-', 't3blbkfj'],
    pattern: /\bsk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9_-]{10,}T3BlbkFJ[A-Za-z0-9_-]{10,})/g,
    minEntropy: 3,
    examples: { match: ['sk-proj-{u:64}', 'sk-svcacct-{u:40}', 'sk-{a:20}T3BlbkFJ{a:20}'], noMatch: ['sk-proj-', 'task-proj-list'] },
  },
  {
    name: 'anthropic-key',
    doc: 'Anthropic API and admin keys (`sk-ant-api03-`, `sk-ant-admin01-`).',
    keywords: ['sk-ant-'],
    pattern: /\bsk-ant-[a-z]+\d\d-[A-Za-z0-9_-]{20,}/g,
    minEntropy: 3,
    examples: { match: ['sk-ant-api03-{u:93}AA', 'sk-ant-admin01-{u:40}'], noMatch: ['sk-ant-api03-'] },
  },
  {
    name: 'google-api-key',
    doc: 'Google API keys (`AIza` + 35).',
    keywords: ['aiza'],
    pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
    minEntropy: 3,
    examples: { match: ['AIza{u:35}', 'key=AIza{u:35}&q=1'], noMatch: ['AIzaShort', 'Aizawa'] },
  },
  {
    name: 'npm-token',
    doc: 'npm access tokens (`npm_` + 36).',
    keywords: ['npm_'],
    pattern: /\bnpm_[A-Za-z0-9]{36}\b/g,
    minEntropy: 3,
    examples: { match: ['npm_{a:36}'], noMatch: ['npm_config_cache', 'npm_package_version'] },
  },
  {
    name: 'telegram-bot-token',
    doc: 'Telegram bot tokens (`<bot id>:AA…`), also inside a URL path (`/bot<token>/getMe`).',
    keywords: [':aa'],
    pattern: /(?<![0-9])([0-9]{8,10}:AA[0-9A-Za-z_-]{33})(?![0-9A-Za-z_-])/g,
    examples: { match: ['{d:10}:AA{u:33}', '/bot{d:9}:AA{u:33}/getMe'], noMatch: ['12:AAB', '2024-01-01T10:AA'] },
  },
  {
    name: 'url-password',
    doc: 'The password of a URL with user info (`scheme://user:password@host`).',
    keywords: ['://'],
    pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@"'<>]+:([^/\s@"'<>[\]]{3,})@/gi,
    allow: [/^(?:password|pass|secret|\*+|x+)$/i],
    examples: { match: ['postgres://app:{a:16}@db.internal:5432/app'], noMatch: ['https://api.example.com:8443/v1', 'mailto:joe@example.com', 'postgres://app:password@localhost/app'] },
  },
  {
    name: 'bearer-token',
    doc: 'A credential after `Bearer ` in free text (a header echoed in a body, `WWW-Authenticate`).',
    keywords: ['bearer'],
    pattern: /\bBearer\s+([A-Za-z0-9\-._~+/]{16,}=*)/gi,
    minEntropy: 3,
    examples: { match: ['Bearer {a:32}', 'sent "Authorization: Bearer {u:40}"'], noMatch: ['Bearer realm="api", error="invalid_token"', 'token_type: bearer'] },
  },
];
