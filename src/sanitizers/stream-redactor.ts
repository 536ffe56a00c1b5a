import type { SecretRules } from '../secrets/index.js';
import { isRedactionMarker, redactionMarker } from './markers.js';
import { markerFor } from './rules-redactor.js';
import { replaceableSpellings } from './secret-forms.js';
import { MIN_SECRET_LENGTH } from './secret-set.js';

/** Bytes held back at the end of what arrived, so a secret split across chunks is still seen whole. */
const WINDOW = 16 * 1024;
/** Text gathered before a pass (fewer, larger passes keep the regex cost per byte low). */
const BATCH = 256 * 1024;
/**
 * Text kept before a secret that waits for the next pass: what told it is one (its name in
 * `"client_secret": "…"`, a tag `<Token a="…">`, `Bearer `) must be seen again with it.
 */
const CONTEXT = 8 * 1024;

interface Hit {
  readonly start: number;
  readonly end: number;
  readonly marker: string;
}

/**
 * Redacts a large body as it streams, before any byte of it is written: secrets the rules engine
 * finds (shapes, credential pairs) and literal known secrets (every replaceable spelling) become
 * the same markers the in-memory sanitizer writes. Works on bytes (latin1, one char per byte), so
 * any body, text or not, passes through; untouched bytes stay as they came.
 *
 * @example
 * const r = new StreamRedactor(new SecretRules(), [{ value: token, marker: '[REDACTED:authorization]' }]);
 * for await (const chunk of body) writer.write(r.push(chunk));
 * writer.write(r.end());
 */
export class StreamRedactor {
  #held = '';
  readonly #literals: Array<{ text: string; marker: string }> = [];

  /**
   * @param rules the rules engine, or `undefined` for literal secrets only
   * @param literals known secret values and their markers
   * @param onSecret told of each value the rules found (to be replaced elsewhere too)
   */
  constructor(
    private readonly rules: SecretRules | undefined,
    literals: Iterable<{ value: string; marker?: string | undefined }> = [],
    private readonly onSecret?: (value: string, marker: string) => void,
  ) {
    for (const { value, marker } of literals) {
      if (value.length < MIN_SECRET_LENGTH || isRedactionMarker(value)) continue;
      for (const s of replaceableSpellings(value)) this.#literals.push({ text: Buffer.from(s.text, 'utf8').toString('latin1'), marker: marker ?? redactionMarker('secret') });
    }
  }

  /** Takes a chunk; returns the bytes now safe to write (maybe none). */
  push(chunk: Uint8Array): Uint8Array {
    this.#held += Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    return this.#held.length < BATCH + WINDOW ? new Uint8Array(0) : this.#emit(false);
  }

  /** The body is complete: returns the rest. */
  end(): Uint8Array {
    return this.#emit(true);
  }

  #hits(text: string): Hit[] {
    const hits: Hit[] = [];
    for (const m of this.rules?.find(text) ?? []) {
      const marker = markerFor(m);
      this.onSecret?.(Buffer.from(m.value, 'latin1').toString('utf8'), marker);
      hits.push({ start: m.start, end: m.end, marker });
    }
    for (const { text: needle, marker } of this.#literals) {
      for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) hits.push({ start: at, end: at + needle.length, marker });
    }
    hits.sort((a, b) => a.start - b.start || b.end - a.end);
    const kept: Hit[] = [];
    for (const h of hits) if (kept.length === 0 || h.start >= (kept[kept.length - 1] as Hit).end) kept.push(h);
    return kept;
  }

  #emit(final: boolean): Uint8Array {
    const text = this.#held;
    const hits = this.#hits(text);
    let cut = final ? text.length : text.length - WINDOW;
    // never cut through a secret, nor between a secret and its name: a hit reaching past the cut
    // waits for the next pass, whole, with the text before it
    for (let moved = true; moved; ) {
      moved = false;
      for (const h of hits) {
        if (h.end > cut && h.start - CONTEXT < cut && cut > 0) {
          cut = Math.max(0, h.start - CONTEXT);
          moved = true;
        }
      }
    }
    let out = '';
    let at = 0;
    for (const h of hits) {
      if (h.end > cut) break;
      out += text.slice(at, h.start) + h.marker;
      at = h.end;
    }
    out += text.slice(at, cut);
    this.#held = text.slice(cut);
    return Buffer.from(out, 'latin1');
  }
}
