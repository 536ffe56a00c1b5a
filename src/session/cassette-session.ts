import { AsyncResource } from 'node:async_hooks';
import { discardSideFileTemp, isLiveSideFileTemp } from '../cassette/side-file-writer.js';
import { boundaryOf, failureCode, NO_RESPONSE, type RecordedFailure } from '../cassette/index.js';
import type { ReplayCassette } from '../cassette/replay-loader.js';
import type { Body, Interaction, RecordedRequest } from '../cassette/types.js';
import {
  forgetResponse,
  bodyAbandoned,
  expectsContinue,
  printableRequest,
  recordRequest,
  requestHead,
  recordResponse,
  toFetchResponse,
  type InterceptionScope,
  type RequestDecision,
  type ResponseCapture,
  type SpillOptions,
} from '../interception/index.js';
import { InteractionIndex } from '../matching/index.js';
import { sanitizeLiveRequest } from '../sanitizers/index.js';
import type { Sanitizer } from '../sanitizers/types.js';
import { DEFAULTS, type ResolvedOptions } from './defaults.js';
import type { DebugLog } from './debug-log.js';
import { describeUnmatched, type Unmatched } from './mismatch-message.js';
import { noteLateRequest } from './late-requests.js';
import { isCI } from './mode.js';
import { formatVerdicts, isIgnoredHost } from './request-filters.js';
import type { EffectiveMode } from './options.js';
import { prepareAhead } from './prepare-ahead.js';
import { sideFileRedactor } from './side-file-redaction.js';
import { defaultSecretRules } from '../sanitizers/index.js';
import type { SecretRules } from '../secrets/index.js';

/** A request being recorded, in request order; its response arrives later. */
interface RecordingSlot {
  readonly requestId: string;
  readonly request: RecordedRequest;
  capture?: ResponseCapture;
  /** Settles when the response body (and a request body read after the decision) is read to the end or failed. */
  done?: Promise<void>;
  /** Whether {@link done} has settled. */
  settled?: boolean;
  /** The request got no response: how it failed (stored as a failure interaction). */
  failure?: RecordedFailure;
}

/**
 * Prepares one recorded interaction for storage (the sanitizer chain), given its position among
 * the recorded interactions. Called in request order, at most once per interaction; a throw stops
 * early preparation (the caller prepares the rest itself, where the error surfaces as usual).
 */
export type PrepareRecorded = (interaction: Interaction, position: number) => Interaction;

/** What a session recorded once its captures settled. */
export interface Recording {
  /**
   * Complete and partial exchanges, in request order: the first {@link Recording.prepared} already
   * passed through the session's {@link PrepareRecorded}, the rest as recorded (unsanitized).
   */
  readonly interactions: Interaction[];
  /** Positions (in `interactions`) whose response body did not arrive completely. */
  readonly incomplete: number[];
  /**
   * How many of the first interactions were prepared while the recording ran (in its idle time
   * between responses); a raw interaction is not kept once prepared.
   */
  readonly prepared: number;
}

/**
 * The state of one open cassette: decides each request's fate (the single place that does), and
 * collects what was replayed, recorded and unmatched.
 */
export class CassetteSession implements InterceptionScope {
  readonly index: InteractionIndex<{ readonly request: RecordedRequest }> | undefined;
  readonly unmatched: Unmatched[] = [];
  readonly errors: unknown[] = [];
  replayed = 0;
  private readonly slots: RecordingSlot[] = [];
  /** Temp side files this session created (deleted at {@link cleanup} unless saved). */
  private readonly temps: string[] = [];
  private readonly spill: SpillOptions;
  private readonly hashOnly: SpillOptions;
  /** Stops preparing replay responses in the background. */
  private stopPreparing: (() => void) | undefined;
  /** Whether the background preparation of replay responses may still start (see {@link respond}). */
  private prepareLater = false;
  /** Slots turned into interactions so far, in request order (a prefix of {@link slots}). */
  private readonly interactions: Interaction[] = [];
  private readonly incomplete: number[] = [];
  /** How many of those {@link prepareRecorded} has prepared (a prefix; they replace the raw ones). */
  private prepared = 0;
  private preparing = true;
  /** Set by {@link settle}: later requests are not part of the recording. */
  private closed = false;
  /** Set by {@link finish}: the code under test is done; a request after it is late ({@link late}). */
  private finished = false;
  /** The first slot {@link advance} has not turned into an interaction (or dropped) yet. */
  private nextSlot = 0;
  private advanceScheduled = false;
  /** Schedules {@link advance} outside the cassette's context (so work it does is not routed or time-frozen). */
  private readonly scheduleAdvance: () => void;
  #rules: SecretRules | undefined | false;
  /** The default sanitizer's rules, built on first use (`undefined` when it is off): large bodies are redacted with them. */
  private readonly secretRules = (): SecretRules | undefined => {
    if (this.#rules === false) return undefined;
    this.#rules ??= this.options.defaultSanitizer === false ? false : defaultSecretRules(this.options.defaultSanitizer);
    return this.#rules === false ? undefined : this.#rules;
  };

  constructor(
    readonly name: string,
    readonly file: string,
    readonly mode: EffectiveMode,
    private readonly options: ResolvedOptions,
    private readonly sanitizer: Sanitizer,
    private readonly log: DebugLog,
    /** What replay and update answer from: request `i` is answered with `recorded.responses.response(i)`. */
    private readonly recorded: ReplayCassette | undefined,
    private readonly prepareRecorded?: PrepareRecorded,
  ) {
    this.scheduleAdvance = AsyncResource.bind(() => {
      setImmediate(() => {
        this.advanceScheduled = false;
        this.advance(false);
      }).unref();
    });
    if ((mode === 'replay' || mode === 'update') && recorded) {
      this.index = new InteractionIndex(recorded.requests.map((request) => ({ request })), { ...options.match, allowRepeats: options.allowRepeats });
      this.prepareLater = true;
    }
    // large bodies are redacted as they stream, before any byte reaches a temp file
    this.spill = { threshold: options.sideFileThreshold, cassetteFile: file, redactor: sideFileRedactor(sanitizer, this.secretRules) };
    this.hashOnly = { ...this.spill, persist: false };
  }

  private track(body: Body | null): void {
    if (body?.kind === 'file' && body.path) this.temps.push(body.path);
  }

  /**
   * Serves replayed response `index`. The second one also starts preparing the others in the
   * background (small batches, one per event-loop turn): started earlier, the preparation would
   * compete with the first response of a large cassette.
   */
  private respond(index: number, label: string): RequestDecision {
    this.replayed += 1;
    this.log?.(`${label} → replayed #${index}`);
    const recorded = this.recorded as ReplayCassette;
    const failure = recorded.failures.get(index);
    if (failure) return { action: 'fail', failure };
    const responses = recorded.responses;
    const response = toFetchResponse(responses.response(index), this.options.replayTiming);
    if (this.prepareLater && this.replayed > 1) {
      this.prepareLater = false;
      this.stopPreparing = prepareAhead(responses, 64);
    }
    return { action: 'respond', response };
  }

  /** Deletes the temp side files of this session that were not moved into place by a save. */
  cleanup(): void {
    this.prepareLater = false;
    this.stopPreparing?.();
    for (const slot of this.slots) slot.capture?.discard();
    for (const path of this.temps) if (isLiveSideFileTemp(path)) discardSideFileTemp(path);
  }

  /** Requests recorded so far (responses may still be arriving); once settled, the exchanges kept. */
  get recordedCount(): number {
    return this.slots.length - this.unanswered.length;
  }

  /** Recorded requests that got no response (connection refused, reset, timed out): `METHOD URL` each, not stored. */
  readonly unanswered: string[] = [];

  /** Modes `record` and `passthrough`: {@link decide} records or passes through every request. */
  get neverReplays(): boolean {
    return this.mode === 'record' || this.mode === 'passthrough';
  }

  /** The code under test is done ({@link finish}): a request now is late. */
  get done(): boolean {
    return this.finished;
  }

  /** Mode `replay`: {@link decide} answers every request (ignored hosts aside) from the cassette. */
  get replaysOnly(): boolean {
    return this.mode === 'replay';
  }

  /** The code under test returned (or threw): requests from here on are late. */
  finish(): void {
    this.finished = true;
  }

  /**
   * A request made after the cassette's code under test was done (a timer or background work that
   * outlived it). It never reaches the network from a cassette that replays, or when `CI` is set;
   * from one that records it goes out unrecorded. Either way it is reported ({@link noteLateRequest}).
   */
  private late(request: Request): RequestDecision {
    if (this.mode === 'passthrough') return { action: 'passthrough' };
    const blocked = this.mode === 'replay' || this.mode === 'update' || isCI();
    const label = this.labelOf(requestHead(request));
    noteLateRequest({ cassette: this.name, file: this.file, mode: this.mode, request: label, outcome: blocked ? 'blocked' : 'not recorded' });
    this.log?.(`${label} → after the cassette closed: ${blocked ? 'network error' : 'passed through, not recorded'}`);
    return blocked ? { action: 'error' } : { action: 'passthrough' };
  }

  /** `METHOD URL` for the debug log and the warnings (late requests, requests with no response), the URL sanitized as it would be stored (a token in it never reaches a log). */
  private labelOf(request: RecordedRequest): string {
    try {
      return `${request.method} ${sanitizeLiveRequest(this.sanitizer, { ...request, body: null }, this.name).url}`;
    } catch {
      return printableRequest(request); // a throwing sanitizer is reported where the request is stored
    }
  }

  async decide(request: Request, requestId: string): Promise<RequestDecision> {
    if (this.finished) return this.late(request);
    const log = this.log;
    const label = log ? this.labelOf(requestHead(request)) : '';
    if (isIgnoredHost(request.url, this.options.ignoreHosts)) {
      log?.(`${label} → passed through (ignoreHosts)`);
      return { action: 'passthrough' };
    }
    if (this.mode === 'passthrough') {
      log?.(`${label} → passed through (mode passthrough)`);
      return { action: 'passthrough' };
    }
    if (this.mode === 'record' && expectsContinue(request)) return this.recordBeforeBody(request, requestId, label);
    // a large body is only hashed in replay, unless it is multipart: that matches by its parts, read from a temp side file
    const multipart = boundaryOf(request.headers.get('content-type') ?? undefined) !== undefined;
    const recorded = await recordRequest(request, this.mode === 'replay' && !multipart ? this.hashOnly : this.spill);
    this.track(recorded.body);
    if (this.mode === 'record') return this.record(recorded, requestId, label);
    const index = this.index;
    const live = sanitizeLiveRequest(this.sanitizer, recorded, this.name);
    const hit = index?.take(live);
    if (hit) return this.respond(hit.index, label);
    if (this.mode === 'update') return this.record(recorded, requestId, label);
    const candidates = index ? index.explain(live, DEFAULTS.mismatchCandidates) : [];
    const unused = index ? index.unusedIndexes() : [];
    const total = unused.length + (index ? index.usedIndexes().length : 0);
    this.unmatched.push(
      describeUnmatched(this.name, this.file, this.mode, live, candidates, unused, total, this.options.allowRepeats),
    );
    if (log) {
      log(`${label} → unmatched (network error)`);
      if (index) for (const line of formatVerdicts(index.verdicts(live))) log(line);
    }
    return { action: 'error' };
  }

  fail(error: unknown): void {
    this.errors.push(error);
    this.log?.(`request failed inside reeltape: ${error instanceof Error ? error.message : String(error)}`);
  }

  /**
   * Records a request that sends its body only after `100 Continue` (`Expect: 100-continue`): it
   * goes out at once, and its body is read while it is sent; the interaction waits for both.
   */
  private recordBeforeBody(request: Request, requestId: string, label: string): RequestDecision {
    const head = requestHead(request);
    // recordRequest clones the request before it returns, so the body is still the client's to send
    const bodyRead = recordRequest(request, this.spill, bodyAbandoned(request)).then(
      (recorded) => {
        head.body = recorded.body;
        this.track(recorded.body);
      },
      (error: unknown) => this.log?.(`${label} → request body not read: ${error instanceof Error ? error.message : String(error)}`),
    );
    return this.record(head, requestId, label, bodyRead);
  }

  private record(request: RecordedRequest, requestId: string, label: string, bodyRead?: Promise<void>): RequestDecision {
    const slot: RecordingSlot = { requestId, request };
    this.slots.push(slot);
    this.log?.(`${label} → recorded`);
    return {
      action: 'record',
      spill: { ...this.spill, redactor: sideFileRedactor(this.sanitizer, this.secretRules, request) },
      onResponse: (capture) => {
        if (slot.failure) return;
        slot.capture = capture;
        slot.done = bodyRead ? Promise.all([capture.done, bodyRead]).then(() => undefined) : capture.done;
        void slot.done.then(() => this.settled(slot));
      },
      onFailure: (failure) => {
        if (slot.failure) return;
        if (slot.capture) return slot.capture.fail?.(failure); // a response came: the error ends its body
        slot.failure = failure;
        this.log?.(`${label} → failed: ${failureCode(failure)} (recorded as a failure)`);
        slot.done = bodyRead ?? Promise.resolve();
        void slot.done.then(() => this.settled(slot));
      },
    };
  }

  private settled(slot: RecordingSlot): void {
    slot.settled = true;
    if (this.advanceScheduled) return;
    this.advanceScheduled = true;
    this.scheduleAdvance();
  }

  /**
   * Waits (up to `captureTimeout` ms) for response bodies still being captured, then returns the
   * exchanges in request order. A request whose response never came (network error) is dropped;
   * a body cut short is kept as far as it arrived and listed in `incomplete`.
   */
  async settle(): Promise<Recording> {
    const pending = this.slots.flatMap((s) => (s.done && !s.settled ? [s.done] : []));
    if (pending.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(pending),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.options.captureTimeout);
        }),
      ]);
      clearTimeout(timer);
    }
    this.advance(true);
    return { interactions: this.interactions, incomplete: this.incomplete, prepared: this.prepared };
  }

  /**
   * Turns recorded slots into interactions in request order, as far as their responses have been
   * read (`final`: all of them, taking what arrived of an unfinished body), and passes each through
   * {@link prepareRecorded} while the recording runs. Called after each captured response, in an
   * event-loop turn of its own, so the work fills the time the client waits for its next response;
   * the result is the same as doing it all at the end.
   */
  private advance(final: boolean): void {
    if (this.closed) return;
    this.closed = final;
    for (; this.nextSlot < this.slots.length; this.nextSlot++) {
      const slot = this.slots[this.nextSlot] as RecordingSlot;
      if (!final && !slot.settled) break;
      if (!slot.capture && !slot.failure) {
        forgetResponse(slot.requestId);
        const label = this.labelOf(slot.request);
        this.unanswered.push(label);
        this.log?.(`${label} → no response arrived (network error); not stored`);
        continue;
      }
      let interaction = slot.capture ? this.exchange(slot, slot.capture) : { request: slot.request, response: NO_RESPONSE, failure: slot.failure };
      const position = this.interactions.length;
      if (!final && this.preparing && this.prepareRecorded && this.prepared === position) {
        try {
          interaction = this.prepareRecorded(interaction, position);
          this.prepared += 1;
        } catch {
          this.preparing = false; // prepared again at save, where the error is reported
        }
      }
      this.interactions.push(interaction);
    }
  }

  /** A recorded slot's request and captured response as an interaction. */
  private exchange(slot: RecordingSlot, capture: ResponseCapture): Interaction {
    const { body, complete, stream } = capture.snapshot();
    if (!complete) {
      capture.abort();
      this.incomplete.push(this.interactions.length);
      const arrived = body.kind === 'file' ? body.size : body.bytes.byteLength;
      this.log?.(`${this.labelOf(slot.request)} → response body incomplete (${arrived} bytes arrived)`);
    }
    const response = recordResponse(capture.response, body);
    if (stream) response.stream = stream;
    this.track(response.body);
    // the capture (live response, stream, chunks) is not needed any more: do not keep it alive
    slot.capture = undefined;
    return { request: slot.request, response };
  }
}
