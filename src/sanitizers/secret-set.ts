import { isRedactionMarker } from './markers.js';

/**
 * Shortest literal secret reeltape replaces or scans for. Shorter literals would be replaced
 * inside unrelated words (a two-letter secret `ab` turning `abc` into `[REDACTED]c`), so explicit
 * ones are refused with a `ReeltapeConfigError` and discovered ones are ignored.
 */
export const MIN_SECRET_LENGTH = 6;

/**
 * The literal secret values known while recording one cassette: values passed explicitly
 * (config `#` values) and values sanitizers redacted (tokens, passwords…), each with the marker
 * that replaced it. Every later literal occurrence of a value is replaced with the same marker,
 * and the serialized cassette is scanned for all of them before it is written.
 *
 * Values shorter than {@link MIN_SECRET_LENGTH}, empty values and redaction markers are ignored.
 *
 * @example
 * const secrets = new SecretSet();
 * secrets.add('s3cr3t-token', '[REDACTED:access_token]');
 * secrets.values(); // ['s3cr3t-token']
 */
export class SecretSet {
  readonly #markers = new Map<string, string | undefined>();

  /** @param initial values to start with (e.g. a sanitizer's `secrets`) */
  constructor(initial: Iterable<string> = []) {
    for (const value of initial) this.add(value);
  }

  /**
   * Remembers a literal secret. The first marker given for a value wins, so every occurrence of
   * it is replaced the same way.
   *
   * @param value the literal secret
   * @param marker the marker that replaced it, if known
   */
  add(value: string, marker?: string): void {
    if (value.length < MIN_SECRET_LENGTH || isRedactionMarker(value)) return;
    if (!this.#markers.has(value) || (this.#markers.get(value) === undefined && marker !== undefined)) {
      this.#markers.set(value, marker);
    }
  }

  /** Whether a value is known. */
  has(value: string): boolean {
    return this.#markers.has(value);
  }

  /** The marker recorded for a value, if any. */
  markerFor(value: string): string | undefined {
    return this.#markers.get(value);
  }

  /** Every known value, in insertion order. */
  values(): string[] {
    return [...this.#markers.keys()];
  }

  /** Number of known values. */
  get size(): number {
    return this.#markers.size;
  }
}
