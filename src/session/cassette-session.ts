import type { Cassette, Interaction, RecordedRequest } from '../cassette/types.js';
import {
  forgetResponse,
  recordRequest,
  recordResponse,
  toFetchResponse,
  type InterceptionScope,
  type RequestDecision,
  type ResponseCapture,
} from '../interception/index.js';
import { InteractionIndex, type MatcherVerdict } from '../matching/index.js';
import { sanitizeLiveRequest } from '../sanitizers/index.js';
import type { Sanitizer } from '../sanitizers/types.js';
import type { ResolvedOptions } from './defaults.js';
import type { DebugLog } from './debug-log.js';
import { describeUnmatched, type Unmatched } from './mismatch-message.js';
import type { EffectiveMode } from './options.js';

/** A request being recorded, in request order; its response arrives later. */
interface RecordingSlot {
  readonly requestId: string;
  readonly request: RecordedRequest;
  capture?: ResponseCapture;
}

/** What a session recorded once its captures settled. */
export interface Recording {
  /** Complete and partial exchanges, in request order (unsanitized). */
  readonly interactions: Interaction[];
  /** Positions (in `interactions`) whose response body did not arrive completely. */
  readonly incomplete: number[];
}

/** Whether a URL belongs to one of the `ignoreHosts`. */
export function isIgnoredHost(url: string, ignoreHosts: ReadonlyArray<string | RegExp> | undefined): boolean {
  if (!ignoreHosts || ignoreHosts.length === 0) return false;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  return ignoreHosts.some((entry) => {
    if (entry instanceof RegExp) {
      entry.lastIndex = 0;
      return entry.test(url);
    }
    if (!parsed) return false;
    const wanted = entry.toLowerCase();
    return wanted.includes(':') && !wanted.startsWith('[') ? parsed.host === wanted : parsed.hostname === wanted || parsed.host === wanted;
  });
}

function formatVerdicts(verdicts: readonly MatcherVerdict[], limit = 10): string[] {
  const byIndex = new Map<number, string[]>();
  for (const v of verdicts) byIndex.set(v.index, [...(byIndex.get(v.index) ?? []), `${v.matcher} ${v.ok ? '✓' : '✗'}`]);
  const lines = [...byIndex].slice(0, limit).map(([index, parts]) => `    #${index}: ${parts.join(', ')}`);
  if (byIndex.size > limit) lines.push(`    … ${byIndex.size - limit} more`);
  return lines;
}

/**
 * The state of one open cassette: decides each request's fate (the single place that does), and
 * collects what was replayed, recorded and unmatched.
 */
export class CassetteSession implements InterceptionScope {
  readonly index: InteractionIndex | undefined;
  readonly unmatched: Unmatched[] = [];
  readonly errors: unknown[] = [];
  replayed = 0;
  private readonly slots: RecordingSlot[] = [];

  constructor(
    readonly name: string,
    readonly file: string,
    readonly mode: EffectiveMode,
    private readonly options: ResolvedOptions,
    private readonly sanitizer: Sanitizer,
    private readonly log: DebugLog,
    existing: Cassette | undefined,
  ) {
    if ((mode === 'replay' || mode === 'update') && existing) {
      this.index = new InteractionIndex(existing.interactions, { ...options.match, allowRepeats: options.allowRepeats });
    }
  }

  /** Requests recorded so far (responses may still be arriving). */
  get recordedCount(): number {
    return this.slots.length;
  }

  async decide(request: Request, requestId: string): Promise<RequestDecision> {
    const label = `${request.method} ${request.url}`;
    if (isIgnoredHost(request.url, this.options.ignoreHosts)) {
      this.log?.(`${label} → passed through (ignoreHosts)`);
      return { action: 'passthrough' };
    }
    if (this.mode === 'passthrough') {
      this.log?.(`${label} → passed through (mode passthrough)`);
      return { action: 'passthrough' };
    }
    const recorded = await recordRequest(request);
    if (this.mode === 'record') return this.record(recorded, requestId, label);
    const index = this.index;
    const live = sanitizeLiveRequest(this.sanitizer, recorded, this.name);
    const hit = index?.take(live);
    if (hit) {
      this.replayed += 1;
      this.log?.(`${label} → replayed #${hit.index}`);
      return { action: 'respond', response: toFetchResponse(hit.interaction.response) };
    }
    if (this.mode === 'update') return this.record(recorded, requestId, label);
    const candidates = index ? index.explain(live, 3) : [];
    const unused = index ? index.unusedIndexes() : [];
    const total = unused.length + (index ? index.usedIndexes().length : 0);
    this.unmatched.push(
      describeUnmatched(this.name, this.file, this.mode, live, candidates, unused, total, this.options.allowRepeats),
    );
    if (this.log) {
      this.log(`${label} → unmatched (network error)`);
      if (index) for (const line of formatVerdicts(index.verdicts(live))) this.log(line);
    }
    return { action: 'error' };
  }

  fail(error: unknown): void {
    this.errors.push(error);
    this.log?.(`request failed inside reeltape: ${error instanceof Error ? error.message : String(error)}`);
  }

  private record(request: RecordedRequest, requestId: string, label: string): RequestDecision {
    const slot: RecordingSlot = { requestId, request };
    this.slots.push(slot);
    this.log?.(`${label} → recorded`);
    return {
      action: 'record',
      onResponse: (capture) => {
        slot.capture = capture;
      },
    };
  }

  /**
   * Waits (up to `captureTimeout` ms) for response bodies still being captured, then returns the
   * exchanges in request order. A request whose response never came (network error) is dropped;
   * a body cut short is kept as far as it arrived and listed in `incomplete`.
   */
  async settle(): Promise<Recording> {
    const pending = this.slots.flatMap((s) => (s.capture ? [s.capture.done] : []));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(pending),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.options.captureTimeout);
      }),
    ]);
    clearTimeout(timer);
    const interactions: Interaction[] = [];
    const incomplete: number[] = [];
    for (const slot of this.slots) {
      if (!slot.capture) {
        forgetResponse(slot.requestId);
        this.log?.(`${slot.request.method} ${slot.request.url} → no response arrived (network error); not stored`);
        continue;
      }
      const { bytes, complete } = slot.capture.snapshot();
      if (!complete) {
        slot.capture.abort();
        incomplete.push(interactions.length);
        this.log?.(`${slot.request.method} ${slot.request.url} → response body incomplete (${bytes.byteLength} bytes arrived)`);
      }
      interactions.push({ request: slot.request, response: recordResponse(slot.capture.response, bytes) });
    }
    return { interactions, incomplete };
  }
}
