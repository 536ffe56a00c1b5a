import { ReeltapeConfigError } from '../errors/index.js';
import type { CassetteOptions } from '../session/index.js';

/** A JSON-safe value; RegExps travel as `{ $regexp, flags }`. */
export type WireValue = null | boolean | number | string | WireValue[] | { [key: string]: WireValue };

/** What the Vitest plugin hands each worker through `provide`/`inject('reeltape')`. */
export interface ProvidedReeltape {
  /** Project root (Vitest `config.root`), used to name cassettes. */
  root: string;
  /** Project-wide cassette options, serialized by {@link toSerializableOptions}. */
  options: { [key: string]: WireValue };
}

/**
 * Turns cassette options into plain JSON so they can cross from the Vitest main process to its
 * workers (threads and forks). RegExps are kept (as `{ $regexp, flags }`); functions and class
 * instances (custom sanitizers, custom matchers) cannot cross and are rejected with the option path.
 *
 * @throws ReeltapeConfigError naming the option that cannot be serialized and where to put it instead
 */
export function toSerializableOptions(options: Partial<CassetteOptions>): { [key: string]: WireValue } {
  const walk = (value: unknown, at: string): WireValue | undefined => {
    if (value === undefined) return undefined;
    if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
    if (value instanceof RegExp) return { $regexp: value.source, flags: value.flags };
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${at}[${i}]`) ?? null);
    const proto: unknown = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
    if (typeof value === 'object' && (proto === Object.prototype || proto === null)) {
      const out: { [key: string]: WireValue } = {};
      for (const [k, v] of Object.entries(value)) {
        const w = walk(v, at ? `${at}.${k}` : k);
        if (w !== undefined) out[k] = w;
      }
      return out;
    }
    throw new ReeltapeConfigError(
      `reeltape() plugin option "${at}" is a ${typeof value === 'function' ? 'function' : 'class instance'} and cannot be sent to Vitest workers. ` +
        `Keep plugin options serializable (dir, mode, match without custom, ignoreHosts, maxAge, strict…) and set sanitizers or custom matchers ` +
        `in a setup file instead: setupFiles: ['./reeltape.setup.ts'] with configure({ sanitizers: [...] }) from 'reeltape'.`,
    );
  };
  return (walk(options, '') ?? {}) as { [key: string]: WireValue };
}

/** Reverses {@link toSerializableOptions} (restores RegExps). */
export function fromSerializableOptions(options: { [key: string]: WireValue }): Partial<CassetteOptions> {
  const walk = (value: WireValue): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object') {
      const regexp = value['$regexp'];
      if (typeof regexp === 'string') return new RegExp(regexp, typeof value['flags'] === 'string' ? value['flags'] : '');
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    }
    return value;
  };
  return walk(options) as Partial<CassetteOptions>;
}
