import type { MatchOptions } from '../matching/index.js';
import type { Sanitizer } from '../sanitizers/types.js';
import type { DefaultSanitizerOptions } from '../sanitizers/index.js';
import type { CassetteStore } from '../store/types.js';
import type { ReplayTiming } from '../interception/index.js';

/** A requested mode. `auto` replays when the cassette exists and records when it does not (replays only, with `CI` set). */
export type ReeltapeMode = 'auto' | 'replay' | 'record' | 'update' | 'passthrough';

/** The mode a cassette actually runs in, once `auto` is resolved. */
export type EffectiveMode = Exclude<ReeltapeMode, 'auto'>;

/** Every valid {@link ReeltapeMode}, in documentation order. */
export const MODES: readonly ReeltapeMode[] = ['auto', 'replay', 'record', 'update', 'passthrough'];

/** What happens when a cassette is older than `maxAge`. */
export type OnExpired = 'warn' | 'error' | 'record';

/** Options of `withCassette` (and, as defaults, of `configure`). */
export interface CassetteOptions {
  /** Directory holding the cassettes. Default `<cwd>/cassettes`. */
  dir?: string;
  /** Mode. Overridden by env `REELTAPE_MODE`; default `auto`. */
  mode?: ReeltapeMode;
  /** How live requests are matched to recorded ones. Default: method + URL + body. */
  match?: MatchOptions;
  /** Once a request's recorded responses are used up, replay the last one again. Default `false`. */
  allowRepeats?: boolean;
  /** Extra sanitizers, run after the default sanitizer, in order. */
  sanitizers?: Sanitizer[];
  /** Options of the built-in default sanitizer, or `false` to turn it off. */
  defaultSanitizer?: DefaultSanitizerOptions | false;
  /**
   * Hosts whose requests pass through untouched and are never stored: `'localhost:5432'` or
   * `'db.local'` (a string without a port matches any port), or a RegExp tested against the full URL.
   */
  ignoreHosts?: Array<string | RegExp>;
  /**
   * Save the cassette (with `meta.error`) when `fn` throws while recording. Default `true`. If that
   * save fails (a sanitizer throws), `fn`'s error is still the one thrown; the failure is logged with `console.error`.
   */
  saveOnError?: boolean;
  /** Maximum cassette age: a number of milliseconds or a duration like `'30d'`, `'12h'`, `'90m'`, `'45s'`. */
  maxAge?: number | string;
  /** What to do with a cassette older than `maxAge`. Default `warn`. */
  onExpired?: OnExpired;
  /**
   * Freeze `Date` inside `fn` (only inside this cassette; timers are untouched): `true` starts the
   * clock at the cassette's recording time (the real time while recording), an ISO string at
   * that time. The clock ticks forward from there.
   */
  freezeTime?: boolean | string;
  /** Log each request's fate: `true` (to `console.error`) or a function receiving each line. Env `REELTAPE_DEBUG=1` also enables it. */
  debug?: boolean | ((line: string) => void);
  /** After replay, fail (instead of warning) when recorded interactions were not used. Default `false`. */
  strict?: boolean;
  /** How long (ms) to wait, after `fn` settles, for response bodies still being captured. Default 5000. */
  captureTimeout?: number;
  /**
   * Request and response bodies larger than this many bytes (1 MiB by default) are streamed to a
   * temp file as they arrive (memory stays flat), stored as content-addressed side files
   * `<name>.bodies/<sha256>` next to the cassette (deduplicated; commit them with it) and streamed
   * from disk on replay. Such bodies bypass the sanitizers' body hooks (hooks see a `file` body
   * they cannot rewrite); the default sanitizer's rules redact them as they stream, and they are
   * scanned for every known secret before anything is written.
   * `Infinity` keeps every body in the cassette JSON.
   */
  sideFileThreshold?: number;
  /**
   * Where cassettes are kept: `jsonStore()` (default: `<dir>/<name>.json` with side files) or
   * `harStore()` (`<dir>/<name>.har`, HAR 1.2), or any {@link CassetteStore}.
   */
  store?: CassetteStore;
  /**
   * How streamed responses (SSE, NDJSON, chunked without a length) replay their recorded chunks:
   * `'immediate'` (default: one chunk per read, no delay), `'recorded'` (at the recorded pace), or a
   * speed factor (`2`: twice as fast as recorded).
   */
  replayTiming?: ReplayTiming;
}
