import type { CassetteOptions } from './options.js';

/**
 * Merges layers of cassette options, later layers winning key by key; `match` is merged one level
 * deeper (its keys merge), every other value (arrays included) is replaced. The one rule for
 * `configure` under per-call options and for the adapters' describe blocks (inner over outer).
 *
 * @example
 * mergeCassetteOptions({ match: { ignoreQueryParams: ['ts'] } }, { match: { ignoreBodyPaths: ['id'] }, strict: true })
 * // { match: { ignoreQueryParams: ['ts'], ignoreBodyPaths: ['id'] }, strict: true }
 */
export function mergeCassetteOptions(...layers: ReadonlyArray<CassetteOptions | undefined>): CassetteOptions {
  const merged: CassetteOptions = {};
  for (const layer of layers) {
    if (!layer) continue;
    const match = merged.match && layer.match ? { ...merged.match, ...layer.match } : undefined;
    Object.assign(merged, layer);
    if (match) merged.match = match;
  }
  return merged;
}
