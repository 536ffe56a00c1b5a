import type { MismatchCandidate } from '../errors/index.js';
import { isCanonicalPlainUrl } from '../cassette/canonical-url.js';
import type { Interaction, RecordedRequest } from '../cassette/types.js';
import { compareRequests, explainParts, type ExplainParts } from './explain.js';
import type { MatchOptions } from './options.js';
import { joinKeyParts, matchedHeaderNames, requestKeyParts, type KeyParts } from './request-key.js';

/** A redaction marker in a key, as written (`[REDACTED:code]`) or percent-encoded in a query (`%5BREDACTED%3Acode%5D`). */
const KEY_MARKER = /\[REDACTED(?::[^\]\s]*)?\]|%5BREDACTED(?:%3A[^%\s]*)?%5D/g;

/** A recorded key as a pattern: each marker matches any value within its URL part or JSON string. */
function markerPattern(key: string): RegExp {
  const pieces = key.split(KEY_MARKER).map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${pieces.join('[^/?&#"\\s]*')}$`);
}

/** Options of an {@link InteractionIndex}. */
export interface InteractionIndexOptions extends MatchOptions {
  /** When a request's recorded responses are used up, replay the last one again (instead of no match). */
  allowRepeats?: boolean;
}

/** One matcher's verdict for one recorded interaction (for the debug log). */
export interface MatcherVerdict {
  /** Interaction index in the cassette. */
  index: number;
  /** `method`, `url`, `body`, `headers` (only when headers are matched), `custom` (only with a custom matcher). */
  matcher: string;
  /** Whether that matcher accepted the recorded request. */
  ok: boolean;
}

/**
 * How the index spells a key: a GET with no matched headers and no body is keyed by its URL alone,
 * so the common recorded request needs no key string built (and hashed) for it. Every other key
 * starts with its method and a space ({@link joinKeyParts}), which no such URL does: the two kinds never collide.
 */
function indexKey(parts: KeyParts): string {
  return parts.method === 'GET' && parts.headers === '' && parts.body === '' && !parts.url.includes(' ') ? parts.url : joinKeyParts(parts);
}

/**
 * Finds recorded interactions for live requests and consumes them in recorded order.
 * Keys of recorded requests are computed once; a lookup is one key computation plus a `Map` hit
 * (with a `custom` matcher: a scan over the recorded requests with the same method).
 *
 * The `Map` is built on the second lookup: the first one compares keys in recorded order and
 * stops at the first match (keeping the keys it computed), so a large cassette answers its first
 * request without hashing every key first, and a replay that
 * makes one request never builds it.
 *
 * @example
 * const index = new InteractionIndex(cassette.interactions, { ignoreQueryParams: ['_t'] })
 * const hit = index.take(liveRequest) // { index, interaction } | undefined
 */
export class InteractionIndex<T extends { readonly request: RecordedRequest } = Interaction> {
  private readonly interactions: readonly T[];
  private readonly options: InteractionIndexOptions;
  private readonly headerNames: string[];
  /** Key parts per interaction, computed on first need (explanations, verdicts, custom matching). */
  private readonly parts: Array<KeyParts | undefined>;
  /** Key per interaction, computed on first need (the first lookup's scan, then the build). */
  private readonly keys: Array<string | undefined>;
  /**
   * Per-key queues without an object or array per key: `first` maps a key to its first recorded
   * index; `nextSame[i]` is the next index with the same key (-1: none); for a first index `f`,
   * `tail[f]` is the group's last index and `cursor[f]` the next one to hand out (-1: used up).
   * Built by {@link build} (see the class comment).
   */
  private readonly first = new Map<string, number>();
  private nextSame = new Int32Array(0);
  private tail = new Int32Array(0);
  private cursor = new Int32Array(0);
  private built = false;
  /** upper-case method → recorded indexes (built only with a custom matcher, the only user). */
  private readonly byMethod = new Map<string, number[]>();
  private readonly used = new Set<number>();
  private readonly explainCache = new Map<number, ExplainParts>();

  /**
   * @param interactions the cassette's interactions, or anything holding its requests (not copied; do not mutate while indexed)
   * @param options match options plus `allowRepeats`
   */
  constructor(interactions: readonly T[], options: InteractionIndexOptions = {}) {
    this.interactions = interactions;
    this.options = options;
    this.headerNames = matchedHeaderNames(options);
    const n = interactions.length;
    this.parts = new Array<KeyParts | undefined>(n);
    this.keys = new Array<string | undefined>(n);
    if (!options.custom) return;
    for (let index = 0; index < n; index++) {
      const method = this.partsOf(index).method;
      const sameMethod = this.byMethod.get(method);
      if (sameMethod) sameMethod.push(index);
      else this.byMethod.set(method, [index]);
    }
  }

  /** Builds the per-key queues over every interaction; what was taken before (by the first lookup's scan) stays taken. */
  private build(): void {
    if (this.built) return;
    this.built = true;
    const n = this.interactions.length;
    this.nextSame = new Int32Array(n).fill(-1);
    this.tail = new Int32Array(n);
    this.cursor = new Int32Array(n);
    for (let index = 0; index < n; index++) {
      const key = this.keyAt(index);
      const head = this.first.get(key);
      if (head === undefined) {
        this.first.set(key, index);
        this.tail[index] = index;
        this.cursor[index] = index;
      } else {
        this.nextSame[this.tail[head] as number] = index;
        this.tail[head] = index;
      }
    }
    // the scan takes only the first of a group, so what it took is its group's head
    for (const index of this.used) {
      if (this.cursor[index] === index) this.cursor[index] = this.nextSame[index] as number;
    }
  }

  /** The key of recorded interaction `index`, computed once. */
  private keyAt(index: number): string {
    let key = this.keys[index];
    if (key === undefined) {
      key = this.recordedKey(index);
      this.keys[index] = key;
    }
    return key;
  }

  /** The key of recorded interaction `index` (same result as {@link keyOf}; parts are kept when they had to be built). */
  private recordedKey(index: number): string {
    const request = (this.interactions[index] as T).request;
    return this.fastKey(request) ?? indexKey(this.partsOf(index));
  }

  /**
   * The key of a body-less request with a canonical plain URL and no matched headers, without
   * building key parts (the same key they give); `undefined` for any other request.
   */
  private fastKey(request: RecordedRequest): string | undefined {
    if (request.body !== null || this.headerNames.length > 0 || !isCanonicalPlainUrl(request.url)) return undefined;
    if (request.method === 'GET') return request.url; // the usual request: no upper-casing (the first lookup runs this for every interaction)
    const method = request.method.toUpperCase();
    return method === 'GET' ? request.url : joinKeyParts({ method, url: request.url, headers: '', body: '' });
  }

  private partsOf(index: number): KeyParts {
    let parts = this.parts[index];
    if (!parts) {
      parts = requestKeyParts((this.interactions[index] as T).request, this.options, this.headerNames);
      this.parts[index] = parts;
    }
    return parts;
  }

  /** The recorded indexes sharing a key, in order (for explanations). */
  private group(key: string): number[] | undefined {
    this.build();
    const head = this.first.get(key);
    if (head === undefined) return undefined;
    const out: number[] = [];
    for (let i = head; i !== -1; i = this.nextSame[i] as number) out.push(i);
    return out;
  }

  /**
   * Takes the next recorded interaction for a live request, in recorded order. When all of that
   * request's recorded interactions are used: with `allowRepeats` the last one again, else `undefined`.
   */
  take(request: RecordedRequest): { index: number; interaction: T } | undefined {
    const index = this.options.custom ? this.takeCustom(request) : this.takeByKey(request);
    if (index === undefined) return undefined;
    this.used.add(index);
    return { index, interaction: this.interactions[index] as T };
  }

  private takeByKey(request: RecordedRequest): number | undefined {
    const key = this.keyOf(request);
    if (!this.built && this.used.size === 0) {
      // the first take: the first interaction with this key, in recorded order, is the one to hand out
      const n = this.interactions.length;
      for (let index = 0; index < n; index++) if (this.keyAt(index) === key) return index;
    }
    this.build(); // (once) also when the first take found nothing: the explanation that follows needs the queues
    const head = this.first.get(key);
    if (head === undefined) return this.takeByMarker(key);
    const next = this.cursor[head] as number;
    if (next !== -1) {
      this.cursor[head] = this.nextSame[next] as number;
      return next;
    }
    return this.options.allowRepeats ? (this.tail[head] as number) : undefined;
  }

  /**
   * A recorded request whose key holds redaction markers, matched with each marker standing for
   * any value (a live request in replay carries a dummy token that no rule recognizes as one:
   * `code=dummy`, `/botdummy/getMe`). The first unused one in recorded order; with `allowRepeats`
   * the last used one after that.
   */
  private takeByMarker(key: string): number | undefined {
    let last: number | undefined;
    for (let index = 0; index < this.interactions.length; index++) {
      const recorded = this.keyAt(index);
      if (!recorded.includes('REDACTED') || !markerPattern(recorded).test(key)) continue;
      if (!this.used.has(index)) {
        const head = this.first.get(recorded) as number;
        if (this.cursor[head] === index) this.cursor[head] = this.nextSame[index] as number;
        return index;
      }
      last = index;
    }
    return this.options.allowRepeats ? last : undefined;
  }

  /** The key of a live request; a body-less request with a canonical plain URL needs no key parts (same result). */
  private keyOf(request: RecordedRequest): string {
    return this.fastKey(request) ?? indexKey(requestKeyParts(request, this.options, this.headerNames));
  }

  private takeCustom(request: RecordedRequest): number | undefined {
    const custom = this.options.custom as NonNullable<MatchOptions['custom']>;
    let last: number | undefined;
    for (const index of this.byMethod.get(request.method.toUpperCase()) ?? []) {
      if (!custom(request, (this.interactions[index] as T).request)) continue;
      if (!this.used.has(index)) return index;
      last = index;
    }
    return this.options.allowRepeats ? last : undefined;
  }

  /** Indexes of the interactions replayed so far, ascending. */
  usedIndexes(): number[] {
    return [...this.used].sort((a, b) => a - b);
  }

  /** Indexes of the interactions not replayed yet, ascending. */
  unusedIndexes(): number[] {
    return this.interactions.map((_, i) => i).filter((i) => !this.used.has(i));
  }

  /**
   * The recorded requests closest to a live request that found no match, best first, each with
   * what differs: `<part>: <recorded> ≠ <live>`, `… missing in recording` (only the live request
   * has it), `… missing in request`, or `already used (…)` when an identical request's recorded
   * responses were all consumed.
   */
  explain(request: RecordedRequest, limit = 3): MismatchCandidate[] {
    const liveParts = requestKeyParts(request, this.options, this.headerNames);
    const liveKey = indexKey(liveParts);
    const live = explainParts(request, this.options, liveParts.body);
    const custom = this.options.custom;
    const liveGroup = custom ? undefined : this.group(liveKey);
    const customHits = custom
      ? (this.byMethod.get(liveParts.method) ?? []).filter((i) => custom(request, (this.interactions[i] as T).request))
      : [];
    const ranked: Array<MismatchCandidate & { score: number }> = [];
    this.interactions.forEach((interaction, index) => {
      const recorded = interaction.request;
      const group = custom ? (customHits.includes(index) ? customHits : undefined) : this.keys[index] === liveKey ? liveGroup : undefined;
      let differences: string[];
      let score: number;
      if (group) {
        // An identical request: list the group once (at its last interaction).
        if (group[group.length - 1] !== index) return;
        const consumed = group.filter((i) => this.used.has(i)).length;
        differences =
          consumed < group.length
            ? [`matches (${group.length - consumed} of ${group.length} recorded responses not used yet)`]
            : [`already used (${consumed} recorded response${consumed === 1 ? '' : 's'} consumed; set allowRepeats to replay it again)`];
        score = Number.POSITIVE_INFINITY;
      } else {
        ({ differences, score } = compareRequests(this.explainPartsOf(index), live));
        if (differences.length === 0) differences = [custom ? 'custom matcher rejected it' : 'differs only in ignored or normalized parts'];
      }
      ranked.push({ index, request: `${recorded.method.toUpperCase()} ${recorded.url}`, differences, score });
    });
    ranked.sort((a, b) => b.score - a.score || a.differences.length - b.differences.length || a.index - b.index);
    return ranked.slice(0, Math.max(0, limit)).map(({ index, request: r, differences }) => ({ index, request: r, differences }));
  }

  private explainPartsOf(index: number): ExplainParts {
    let parts = this.explainCache.get(index);
    if (!parts) {
      parts = explainParts((this.interactions[index] as T).request, this.options, this.partsOf(index).body);
      this.explainCache.set(index, parts);
    }
    return parts;
  }

  /**
   * Each matcher's verdict for every recorded interaction (for `REELTAPE_DEBUG`): `method`, `url`,
   * `body`, `headers` (when headers are matched) and `custom` (with a custom matcher).
   */
  verdicts(request: RecordedRequest): MatcherVerdict[] {
    const live = requestKeyParts(request, this.options, this.headerNames);
    const out: MatcherVerdict[] = [];
    this.interactions.forEach((_, index) => {
      const recorded = this.partsOf(index);
      out.push({ index, matcher: 'method', ok: recorded.method === live.method });
      out.push({ index, matcher: 'url', ok: recorded.url === live.url });
      out.push({ index, matcher: 'body', ok: recorded.body === live.body });
      if (this.headerNames.length > 0) out.push({ index, matcher: 'headers', ok: recorded.headers === live.headers });
      if (this.options.custom) {
        out.push({ index, matcher: 'custom', ok: this.options.custom(request, (this.interactions[index] as T).request) });
      }
    });
    return out;
  }
}
