import { SanitizerError } from '../errors/index.js';
import type { CassetteMeta, RecordedRequest, RecordedResponse } from '../cassette/types.js';
import type { SanitizeContext, Sanitizer } from './types.js';

type Hook = 'request' | 'response' | 'meta';

/**
 * Runs one hook of one sanitizer, turning anything it throws into a {@link SanitizerError} that
 * names the sanitizer, the hook and the interaction. A `SanitizerError` from a nested chain passes
 * through unchanged, so the innermost sanitizer is the one named.
 */
export function runHook<T>(sanitizer: Sanitizer, hook: Hook, ctx: SanitizeContext, call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof SanitizerError) throw error;
    const what = hook === 'meta' ? 'the metadata' : ctx.index < 0 ? `the live ${hook}` : `the ${hook} of interaction ${ctx.index}`;
    const reason = error instanceof Error ? error.message : String(error);
    throw new SanitizerError(
      `Sanitizer "${sanitizer.name}" threw while sanitizing ${what} of cassette "${ctx.cassette}" (${ctx.phase} phase): ${reason}. ` +
        'Nothing was written. Fix the sanitizer (it must not throw on any request or response) or remove it from the chain.',
      sanitizer.name,
      ctx.index,
      { cause: error },
    );
  }
}

/**
 * Composes sanitizers: each hook runs every member's hook in order, each seeing the previous one's
 * result. Its `secrets` are the union of the members' `secrets`. Falsy entries are skipped, so
 * `chain(a, cond && b)` works. A member that throws is named in the resulting `SanitizerError`.
 *
 * @example
 * const sanitizer = chain(defaultSanitizer(), headerSanitizer(['x-tenant']), fakerSanitizer({ email: 'email' }));
 */
export function chain(...sanitizers: ReadonlyArray<Sanitizer | false | null | undefined>): Sanitizer {
  const members = sanitizers.filter((s): s is Sanitizer => !!s);
  const secrets = [...new Set(members.flatMap((s) => s.secrets ?? []))];
  return {
    name: `chain(${members.map((s) => s.name).join(', ')})`,
    secrets,
    request(request: RecordedRequest, ctx: SanitizeContext): RecordedRequest {
      let current = request;
      for (const s of members) {
        if (!s.request) continue;
        const hook = s.request.bind(s);
        current = runHook(s, 'request', ctx, () => hook(current, ctx)) ?? current;
      }
      return current;
    },
    response(response: RecordedResponse, ctx: SanitizeContext): RecordedResponse {
      let current = response;
      for (const s of members) {
        if (!s.response) continue;
        const hook = s.response.bind(s);
        current = runHook(s, 'response', ctx, () => hook(current, ctx)) ?? current;
      }
      return current;
    },
    meta(meta: CassetteMeta, ctx: SanitizeContext): CassetteMeta {
      let current = meta;
      for (const s of members) {
        if (!s.meta) continue;
        const hook = s.meta.bind(s);
        current = runHook(s, 'meta', ctx, () => hook(current, ctx)) ?? current;
      }
      return current;
    },
  };
}
