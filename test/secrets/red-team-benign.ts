/**
 * A second benign corpus for the red team (values and places the first corpus, `benign-corpus.ts`,
 * does not use): responses real APIs send, full of tokens, keys and signatures that are not
 * secrets. Each entry is one value, the place it is served from, and what it is.
 */

const JWKS_N =
  'u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_IzW7yWR7QkrmBL7jTKEn5u-qKhbwKfBstIs-bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW_VDL5AaWTg0nLVkjRo9z-40RQzuVaE8AkAFmxZzow3x-VJYKdjykkJ0iT9wCS0DRTXu269V264Vf_3jvredZiKRkgwlL9xNAwxXFg0x_XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC-9aGVd-Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmw';

/** `[name, value]` pairs of an OIDC discovery document and its JWKS. */
export const OIDC_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['issuer', 'https://login.example.org/3f6a8d2c-1b4e-4d8a-9c7f-5e2d1a0b9c8d/v2.0'],
  ['authorization_endpoint', 'https://login.example.org/common/oauth2/v2.0/authorize'],
  ['token_endpoint', 'https://login.example.org/common/oauth2/v2.0/token'],
  ['device_authorization_endpoint', 'https://login.example.org/common/oauth2/v2.0/devicecode'],
  ['userinfo_endpoint', 'https://graph.example.org/oidc/userinfo'],
  ['end_session_endpoint', 'https://login.example.org/common/oauth2/v2.0/logout'],
  ['jwks_uri', 'https://login.example.org/common/discovery/v2.0/keys'],
  ['token_endpoint_auth_methods_supported', 'client_secret_post private_key_jwt client_secret_basic'],
  ['id_token_signing_alg_values_supported', 'RS256'],
  ['n', JWKS_N],
  ['e', 'AQAB'],
  ['x5t', 'nOo3ZDrODXEK1jKWhXslHR_KXEg'],
  ['x5c', 'MIIDBTCCAe2gAwIBAgIQN33ROaIJ6bJBWDCxtmJEbjANBgkqhkiG9w0BAQsFADAtMSswKQYDVQQDEyJhY2NvdW50cy5hY2Nlc3Njb250cm9sLndpbmRvd3MubmV0MB4XDTIwMTIyMTIwNTAxN1oXDTI1MTIyMDIwNTAxN1ow'],
  ['kid', 'nOo3ZDrODXEK1jKWhXslHR_KXEg'],
  ['use', 'sig'],
  ['at_hash', '77QmUPtjPfzWtF2AnpK9RQ'],
  ['nonce', 'n-0S6_WzA2Mj'],
  ['session_state', 'b7e3f1a2-6c4d-4e5f-8a9b-0c1d2e3f4a5b'],
];

/** `[name, value]` pairs from code-hosting, package-registry, payment and cloud APIs. */
export const API_FIELDS: ReadonlyArray<readonly [string, string | number]> = [
  ['sha', 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3'],
  ['tree_sha', '6dcb09b5b57875f334f61aebed695e2e4193db5e'],
  ['signature', '-----BEGIN PGP SIGNATURE-----\n\nwsBcBAABCAAQBQJlmXw7CRBK7hj4Ov3rIwAAdHIIAH8Y2vP1bq0qL0xHh3Yb\n=EtYH\n-----END PGP SIGNATURE-----\n'],
  ['payload', 'tree 6dcb09b5b57875f334f61aebed695e2e4193db5e\nparent 7638417db6d59f3c431d3e1f261cc637155684cd\nauthor Mona <mona@example.com> 1700000000 +0000'],
  ['integrity', 'sha512-dTbZD1nX9eB7bDpFyVXhVg3RHnVu9DTsvr+WPW6iLS9fpZjbQPPoAhw0LIJ9ss6ovTP3WIAGPqX4tJmjf+eSeA=='],
  ['shasum', 'e3a9f28f2b3c0c8c1c5a2d4e6f7a8b9c0d1e2f3a'],
  ['tarball', 'https://registry.example.org/left-pad/-/left-pad-1.3.0.tgz'],
  ['keyid', 'SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA'],
  ['digest', 'sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae'],
  ['etag', '"0x8DC2F8B6C3A1E4F"'],
  ['NextContinuationToken', '1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM='],
  ['endCursor', 'Y3Vyc29yOnYyOpHOAAx7Zg=='],
  ['startCursor', 'Y3Vyc29yOnYyOpHOAAx7Ag=='],
  ['@odata.nextLink', 'https://graph.example.org/v1.0/users?$skiptoken=RFNwdAIAAQAAAD8AAAAAAAAAAAAAAA'],
  ['next_token', '7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i'],
  ['continue', 'eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTIzNDUsInN0YXJ0IjoibmdpbnhcdTAwMDAifQ'],
  ['resourceVersion', '123456789'],
  ['uid', '1b4e28ba-2fa1-11d2-883f-0016d3cca427'],
  ['idempotencyKey', '0190c5a4-7e6b-7d3e-9f1a-2b3c4d5e6f70'],
  ['traceId', '4bf92f3577b34da6a3ce929d0e0e4736'],
  ['spanId', '00f067aa0ba902b7'],
  ['fingerprint', 'Xt5EWLLDS7FJjR1c'],
  ['last4', '4242'],
  ['starting_after', 'cus_PqR8sT9uV0wX1y'],
  ['avatar', 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8DAwMDAwMDAAAANBgEBKuh7AAAAAElFTkSuQmCC'],
  ['ssh_url', 'git@github.example.com:octo-org/hello-world.git'],
  ['deploy_key', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBvN6b2Fq3m8pT5yW0sX4kL9dR1cJ7hE2uA6gV3zQ8nK deploy@ci'],
  ['token_expires_at', '2030-06-01T12:00:00Z'],
  ['auth_type', 'oauth2'],
  ['password_min_length', 12],
  ['code', 'ERR_INVALID_ARG_TYPE'],
  ['key', 'created_at'],
  ['sentry_dsn', 'https://9f8e7d6c5b4a39281706f5e4d3c2b1a0@o123456.ingest.example.io/4505'],
  ['ip', '203.0.113.7'],
  ['region', 'eu-central-1'],
];

/** Response headers that carry ids, hashes and cursors, none of them secrets. */
export const BENIGN_RESPONSE_HEADERS: Record<string, string> = {
  'x-amz-request-id': '4442587FB7D0A2F9',
  'x-amz-id-2': 'vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=',
  'x-amz-version-id': '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nrjfkd',
  'x-goog-hash': 'crc32c=n03x6A==,md5=Ojk9c3dhfxgoKVVHYwFbHQ==',
  'x-goog-generation': '1360887697105000',
  'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1',
  'sentry-trace': '771a43a4192642f0b136d5159a501700-b7ad6b7169203331-1',
  'x-github-request-id': 'CA5E:3F2A:1B2C3D:1C2D3E:65A0B1C2',
  'x-ms-request-id': '0f9e8d7c-6b5a-4938-2716-05f4e3d2c1b0',
  digest: 'sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=',
  link: '<https://api.example.org/v1/events?cursor=bWF4X2lkPTk4NzY1NDMyMQ%3D%3D&limit=100>; rel="next"',
  'content-security-policy': "script-src 'nonce-Wm9vTGlrZUl0SGVyZQ' 'strict-dynamic'; object-src 'none'",
  'www-authenticate': 'Basic realm="Restricted", charset="UTF-8"',
  'x-ratelimit-remaining': '4987',
};

/** An S3 ListObjectsV2 reply: keys, ETags, owner ids and a continuation token. */
export const S3_LISTING =
  '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>photos</Name><Prefix>2024/</Prefix><KeyCount>1</KeyCount><IsTruncated>true</IsTruncated>' +
  '<Contents><Key>2024/01/9c1f2e7a-beach.jpg</Key><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>48213</Size><StorageClass>STANDARD</StorageClass></Contents>' +
  '<Owner><ID>79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be</ID></Owner>' +
  '<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken></ListBucketResult>';

/** An HTML page: subresource integrity, a site-verification meta tag, a CSRF param name, an inline image. */
export const HTML_PAGE =
  '<!doctype html><html><head><meta name="google-site-verification" content="rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ">' +
  '<meta name="csrf-param" content="authenticity_token"><meta property="og:image" content="https://cdn.example.org/og/2f9c1d7e.png">' +
  '<script src="https://cdn.example.org/bootstrap.min.js" integrity="sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC" crossorigin="anonymous"></script></head>' +
  '<body><form><input type="hidden" name="page_token" value="CiAKGjBpNDd2Nmp2Zml2cXRwYjBp"></form>' +
  '<img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7" alt=""></body></html>';

/** Request query parameters a client sends that are not secrets. */
export const BENIGN_QUERY = 'pageToken=AE8qF0mN2pQ7rS3tU9vW&starting_after=cus_PqR8sT9uV0wX1y&sha=a94a8fe5ccb19ba61c4c0873d391e987982fbbd3&state=open&sort_key=created&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256';

/** How many benign values the corpus holds (every field, header, XML/HTML value and query parameter counted once). */
export const BENIGN_VALUE_COUNT = OIDC_FIELDS.length + API_FIELDS.length + Object.keys(BENIGN_RESPONSE_HEADERS).length + 4 + 6 + BENIGN_QUERY.split('&').length;
