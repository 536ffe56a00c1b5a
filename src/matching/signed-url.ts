/**
 * Query parameters of signed URLs that change on every run (time bounds, signatures, credentials
 * whose scope carries the date): left out of matching by default, so a presigned URL made on a later
 * run still finds its recording. What the URL points at (bucket, key, other parameters) still matches.
 * Secrets among them are redacted by the sanitizers as before; this only affects matching.
 */

/** AWS SigV4 query auth (`X-Amz-*`) and GCS V4 (`X-Goog-*`). */
const VENDOR_SIGNED = /^x-(?:amz|goog)-(?:date|expires|signature|credential|security-token)$/i;
/** Azure SAS time bounds and signature (with `skt`/`ske` of user-delegation SAS); only on URLs that carry `sv` and `sig`. */
const AZURE_SAS = ['st', 'se', 'sig', 'skt', 'ske'];

/**
 * Whether a parameter of this query is a per-run part of a signed URL (AWS SigV4, GCS V4, Azure SAS).
 *
 * @example
 * const params = new URL('https://b.s3.amazonaws.com/k?X-Amz-Date=20261205T000000Z').searchParams;
 * isSignedUrlParam('X-Amz-Date', params); // true
 */
export function isSignedUrlParam(name: string, params: URLSearchParams): boolean {
  if (VENDOR_SIGNED.test(name)) return true;
  return AZURE_SAS.includes(name) && params.has('sv') && params.has('sig');
}

/**
 * Removes the per-run parameters of signed URLs from `params`, in place.
 *
 * @example
 * dropSignedUrlParams(url.searchParams);
 */
export function dropSignedUrlParams(params: URLSearchParams): void {
  for (const name of [...new Set(params.keys())]) if (isSignedUrlParam(name, params)) params.delete(name);
}
