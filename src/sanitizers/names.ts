import { ReeltapeConfigError } from '../errors/index.js';

/** A case-insensitive set of exact names (never substrings). */
export class NameSet {
  readonly #names: Set<string>;

  /** @param names names to hold; compared lower-cased */
  constructor(names: Iterable<string>) {
    this.#names = new Set([...names].map((n) => n.toLowerCase()));
  }

  /** Whether `name` is in the set (case-insensitive, whole name). */
  has(name: string): boolean {
    return this.#names.has(name.toLowerCase());
  }

  /** The names, lower-cased. */
  values(): string[] {
    return [...this.#names];
  }
}

/** Checks a factory's list of names or paths: an array of non-empty strings. */
export function validateNames(factory: string, what: string, names: unknown): string[] {
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || n.trim() === '')) {
    throw new ReeltapeConfigError(`${factory}: ${what} must be an array of non-empty strings, got ${JSON.stringify(names)}.`);
  }
  return names as string[];
}
