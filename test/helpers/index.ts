/**
 * Shared test helpers. Import from `test/helpers/index.js`:
 * - {@link listenOnLoopback}: start any http(s) server on 127.0.0.1:0 with a close that drops keep-alive sockets.
 * - {@link startTestServer}: a real HTTP(S) server on 127.0.0.1:0 with fixed routes (see `test-server.ts`).
 * - {@link createCertificate}: a self-signed cert for that server, trusted only via a client's own option.
 * - {@link makeTempDir} / {@link removeTempDirs} / {@link listFiles}: real temp directories.
 * - {@link childEnv}: an environment for child processes without `CI` and `REELTAPE_MODE`.
 * - {@link recordThenReplay} / {@link comparableHeaders} / {@link Observed}: the record → stop server → replay round trip.
 */
export * from './loopback.js';
export * from './test-server.js';
export * from './certificate.js';
export * from './temp-dir.js';
export * from './child-env.js';
export * from './record-replay.js';
export * from './cassette-test.js';
