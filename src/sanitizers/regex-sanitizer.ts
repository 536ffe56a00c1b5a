import { ReeltapeConfigError } from '../errors/index.js';
import { mapMessageStrings } from './message.js';
import type { Sanitizer } from './types.js';

/**
 * Replaces every match of `pattern` (the global flag is implied) in request URLs, request and
 * response header values, text bodies and the string values of JSON bodies. `replacement` may use
 * `$1`-style references. Binary bodies are not touched.
 *
 * @example
 * regexSanitizer(/sk_live_[A-Za-z0-9]+/, '[REDACTED:stripe-key]')
 */
export function regexSanitizer(pattern: RegExp | string, replacement: string): Sanitizer {
  if (typeof replacement !== 'string') throw new ReeltapeConfigError(`regexSanitizer: replacement must be a string, got ${typeof replacement}.`);
  let re: RegExp;
  try {
    re = typeof pattern === 'string' ? new RegExp(pattern, 'g') : new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  } catch (error) {
    throw new ReeltapeConfigError(`regexSanitizer: invalid pattern ${String(pattern)}: ${(error as Error).message}.`);
  }
  if (re.test('')) throw new ReeltapeConfigError(`regexSanitizer: pattern ${String(re)} matches the empty string, which would insert the replacement everywhere. Make it match at least one character.`);
  const replace = (text: string): string => {
    re.lastIndex = 0;
    return text.replace(re, replacement);
  };
  return {
    name: `regexSanitizer(${String(re)})`,
    request(request) {
      mapMessageStrings(request, replace);
    },
    response(response) {
      mapMessageStrings(response, replace);
    },
  };
}
