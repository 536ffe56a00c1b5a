/**
 * `METHOD origin/…` for errors raised in the interception layer, which has no sanitizer: a token in a
 * path or query must not reach a test's failure output (and CI logs) through them. The full request,
 * sanitized as stored, is named by the session's report (CassetteMismatchError, late requests); the session
 * also labels a request this way when its sanitizer throws.
 */
export function printableRequest(request: { method: string; url: string }): string {
  try {
    return `${request.method} ${new URL(request.url).origin}/…`;
  } catch {
    return `${request.method} (a request)`;
  }
}
