import { createHash } from 'node:crypto';
import type { Faker } from '@faker-js/faker';
import type { JsonValue } from '../cassette/types.js';
import { ReeltapeConfigError } from '../errors/index.js';
import { parsePath, pathMatches, rewriteJson, type PathPattern } from './json-path.js';
import { isRedactionMarker } from './markers.js';
import { editJsonBody, type Message } from './message.js';
import type { Sanitizer } from './types.js';
import { lazyRequire } from '../util/lazy-require.js';

const fakerEn = lazyRequire<{ faker: Faker }>('@faker-js/faker/locale/en');

/** Kinds of personal data {@link fakerSanitizer} can invent. */
export type FakeKind =
  | 'name'
  | 'firstName'
  | 'lastName'
  | 'email'
  | 'phone'
  | 'address'
  | 'street'
  | 'city'
  | 'zip'
  | 'company'
  | 'uuid'
  | 'id'
  | 'username'
  | 'ip';

/** A custom fake: gets the original value and a faker instance seeded from it (so it is deterministic). */
export type FakeFunction = (original: JsonValue, faker: Faker) => JsonValue;

/**
 * What to pseudonymize: keys are field names (matched whole, case-insensitively, at any depth) or
 * dotted paths (containing `.` or `*`: `data.users.*.email`, `**.phone`); values a {@link FakeKind}
 * or a {@link FakeFunction}.
 */
export type FakerRules = Readonly<Record<string, FakeKind | FakeFunction>>;

/** Options of {@link fakerSanitizer}. */
export interface FakerSanitizerOptions {
  /** Also pseudonymize JSON request bodies (default: responses only). */
  requests?: boolean;
}

const KINDS: ReadonlySet<string> = new Set<FakeKind>(['name', 'firstName', 'lastName', 'email', 'phone', 'address', 'street', 'city', 'zip', 'company', 'uuid', 'id', 'username', 'ip']);

/**
 * Loads faker on first use (synchronously: `require` of its ES module, Node >= 20.19), so importing
 * reeltape does not pay for loading it unless a faker sanitizer actually rewrites a value.
 */
function createFaker(): Faker {
  const { faker: enFaker } = fakerEn();
  return new (enFaker.constructor as new (options: { locale: Faker['rawDefinitions'] }) => Faker)({ locale: enFaker.rawDefinitions });
}

let shared: Faker | undefined;
/** One faker instance, re-seeded before every value (so sharing it keeps results deterministic). */
function seededFaker(kind: string, original: JsonValue): Faker {
  // Our own instance (re-seeding the user's `faker` would change their randomness), built like
  // `new Faker({ locale: [en, base] })` but from the `locale/en` entry, which loads one locale
  // instead of all of them (about half the import time of reeltape).
  shared ??= createFaker();
  const digest = createHash('sha256').update(`${kind}\u0000${typeof original}\u0000${String(original)}`).digest();
  shared.seed([digest.readUInt32BE(0), digest.readUInt32BE(4), digest.readUInt32BE(8), digest.readUInt32BE(12)]);
  return shared;
}

function fakeNumber(original: number, faker: Faker): number {
  if (!Number.isInteger(original)) return faker.number.float({ min: 0, max: Math.max(1, Math.abs(original) * 2), fractionDigits: 2 });
  const digits = String(Math.abs(original)).length;
  const min = digits === 1 ? 1 : 10 ** (digits - 1);
  const max = Math.min(10 ** digits - 1, Number.MAX_SAFE_INTEGER);
  const fake = faker.number.int({ min, max });
  return original < 0 ? -fake : fake;
}

function fakeString(kind: FakeKind, original: string, faker: Faker): string {
  switch (kind) {
    case 'name':
      return faker.person.fullName();
    case 'firstName':
      return faker.person.firstName();
    case 'lastName':
      return faker.person.lastName();
    case 'email':
      return faker.internet.email().toLowerCase();
    case 'phone':
      return faker.phone.number();
    case 'address':
      return `${faker.location.streetAddress()}, ${faker.location.city()}, ${faker.location.zipCode()}`;
    case 'street':
      return faker.location.streetAddress();
    case 'city':
      return faker.location.city();
    case 'zip':
      return faker.location.zipCode();
    case 'company':
      return faker.company.name();
    case 'uuid':
      return faker.string.uuid();
    case 'username':
      return faker.internet.username();
    case 'ip':
      return original.includes(':') ? faker.internet.ipv6() : faker.internet.ipv4();
    case 'id':
      return /^\d+$/.test(original)
        ? faker.string.numeric({ length: original.length, allowLeadingZeros: original.startsWith('0') })
        : faker.string.alphanumeric({ length: Math.max(1, original.length) });
  }
}

/**
 * The deterministic fake for one value: the same kind and original always give the same fake,
 * in any cassette, process or run. Numbers stay numbers (same digit count), `null`, booleans,
 * objects, arrays and redaction markers are left alone.
 *
 * @example
 * fakeValue('email', 'jane@corp.example') === fakeValue('email', 'jane@corp.example') // true
 */
export function fakeValue(rule: FakeKind | FakeFunction, original: JsonValue): JsonValue {
  if (typeof rule === 'function') return rule(original, seededFaker('custom', original));
  if (typeof original === 'number') return fakeNumber(original, seededFaker(rule, original));
  if (typeof original !== 'string' || original === '' || isRedactionMarker(original)) return original;
  return fakeString(rule, original, seededFaker(rule, original));
}

interface CompiledRule {
  readonly pattern: PathPattern | undefined;
  readonly field: string | undefined;
  readonly rule: FakeKind | FakeFunction;
}

/**
 * Pseudonymizes personal data in JSON response bodies (and request bodies with `requests: true`)
 * with @faker-js/faker. Each fake is seeded from a SHA-256 of the kind and the original value, so
 * the same person gets the same fake name everywhere: joins and references inside the data stay
 * consistent and re-recording gives the same cassette. Numeric ids stay numbers.
 *
 * @throws ReeltapeConfigError for an unknown kind
 * @example
 * fakerSanitizer({ email: 'email', full_name: 'name', 'data.customers.*.id': 'id', note: (v, f) => f.lorem.sentence() })
 */
export function fakerSanitizer(rules: FakerRules, options: FakerSanitizerOptions = {}): Sanitizer {
  const compiled: CompiledRule[] = Object.entries(rules).map(([key, rule]) => {
    if (typeof rule !== 'function' && !KINDS.has(rule)) {
      throw new ReeltapeConfigError(`fakerSanitizer: rule "${key}" has unknown kind ${JSON.stringify(rule)}. Use one of ${[...KINDS].join(', ')}, or a function (original, faker) => value.`);
    }
    const isPath = key.includes('.') || key.includes('*') || key.includes('[');
    return { pattern: isPath ? parsePath(key) : undefined, field: isPath ? undefined : key.toLowerCase(), rule };
  });
  const apply = (message: Message): void => {
    editJsonBody(message, (value) =>
      rewriteJson(value, (v, path, key) => {
        if (v !== null && typeof v === 'object') return undefined;
        // A field rule also covers the scalars of an array under that field (`emails: [...]`).
        const field = key?.toLowerCase();
        const hit = compiled.find((r) => (r.pattern ? pathMatches(r.pattern, path) : field !== undefined && field === r.field));
        if (!hit) return undefined;
        const next = fakeValue(hit.rule, v);
        return { replace: next, changed: JSON.stringify(next) !== JSON.stringify(v) };
      }),
    );
  };
  return {
    name: 'fakerSanitizer',
    ...(options.requests ? { request: (request: Message) => void apply(request) } : {}),
    response(response) {
      apply(response);
    },
  };
}
