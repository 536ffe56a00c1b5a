/** Small helpers of the session's `decide`: which hosts are ignored, and how matcher verdicts are logged. */
import type { MatcherVerdict } from '../matching/index.js';

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

/** The matchers' verdicts on each recorded request, for the debug log (at most `limit` requests). */
export function formatVerdicts(verdicts: readonly MatcherVerdict[], limit = 10): string[] {
  const byIndex = new Map<number, string[]>();
  for (const v of verdicts) byIndex.set(v.index, [...(byIndex.get(v.index) ?? []), `${v.matcher} ${v.ok ? '✓' : '✗'}`]);
  const lines = [...byIndex].slice(0, limit).map(([index, parts]) => `    #${index}: ${parts.join(', ')}`);
  if (byIndex.size > limit) lines.push(`    … ${byIndex.size - limit} more`);
  return lines;
}
