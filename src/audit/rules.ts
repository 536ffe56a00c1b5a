import { isRedactionMarker } from '../sanitizers/index.js';

/** The kinds of leaked secret `reeltape audit` recognizes. */
export type AuditRule =
  | 'jwt'
  | 'bearer-token'
  | 'aws-access-key-id'
  | 'github-token'
  | 'slack-token'
  | 'private-key'
  | 'high-entropy'
  | 'config-secret';

/** A suspected secret found in one string. */
export interface RuleMatch {
  /** Which rule matched. */
  readonly rule: AuditRule;
  /** The matched value (only ever shown masked). */
  readonly value: string;
  /** Offset of the match in the scanned text. */
  readonly offset: number;
}

/** Token shapes recognized anywhere in any string (each regex is global). */
const SHAPES: ReadonlyArray<{ rule: AuditRule; re: RegExp; group?: number }> = [
  { rule: 'jwt', re: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g },
  { rule: 'bearer-token', re: /\bBearer\s+([A-Za-z0-9\-._~+/]{16,}=*)/gi, group: 1 },
  { rule: 'aws-access-key-id', re: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g },
  { rule: 'github-token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/g },
  { rule: 'slack-token', re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g },
  { rule: 'private-key', re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----/g },
];

/** Field, header and parameter names that look like they hold credentials (substrings allowed: the audit only reports). */
const CREDENTIAL_NAME = /token|secret|passw(?:or)?d|pwd|api[-_]?key|apikey|auth|credential|private[-_]?key|signature|session|cookie|access[-_]?key|(?:^|[-_.])key$|[a-z0-9]Key$/i;

/** Minimum length of a string the high-entropy rule considers. */
export const HIGH_ENTROPY_MIN_LENGTH = 20;
/** Shannon entropy (bits per character) from which a credential-field value counts as random. */
export const HIGH_ENTROPY_THRESHOLD = 3.5;

/** Shannon entropy of a string, in bits per character. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

/** Whether a field/header/parameter name looks like it holds a credential. */
export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name);
}

/** Finds token shapes (JWT, bearer tokens, AWS key ids, GitHub/Slack tokens, private-key blocks) in a string. */
export function findTokenShapes(text: string): RuleMatch[] {
  const found: RuleMatch[] = [];
  for (const { rule, re, group } of SHAPES) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) {
      const value = group !== undefined ? (m[group] ?? m[0]) : m[0];
      if (isRedactionMarker(value) || value.includes('[REDACTED')) continue;
      found.push({ rule, value, offset: (m.index ?? 0) + (group !== undefined ? m[0].indexOf(value) : 0) });
    }
  }
  return found;
}

/**
 * The high-entropy rule: a value of at least 20 characters without whitespace, not a redaction
 * marker, under a credential-looking name, whose Shannon entropy reaches the threshold.
 */
export function isHighEntropySecret(name: string, value: string): boolean {
  if (value.length < HIGH_ENTROPY_MIN_LENGTH || /\s/.test(value) || value.includes('[REDACTED')) return false;
  if (!isCredentialName(name)) return false;
  return shannonEntropy(value) >= HIGH_ENTROPY_THRESHOLD;
}
