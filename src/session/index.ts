/**
 * Sessions: `withCassette` and everything around it (modes, configuration, expiry, freezeTime,
 * locking, the debug log, cassette events for test-framework adapters).
 */
export { withCassette, type CassetteHandle, type CassetteStats } from './with-cassette.js';
export {
  MODES,
  type CassetteOptions,
  type EffectiveMode,
  type OnExpired,
  type ReeltapeMode,
} from './options.js';
export { configure, getConfiguration, resetConfiguration } from './configuration.js';
export { mergeCassetteOptions } from './merge-options.js';
export { resolveMode, effectiveMode, isCI } from './mode.js';
export { onCassetteEvent, type CassetteEvent, type CassetteClosedEvent, type CassetteEventListener } from './events.js';
export { parseDuration } from './duration.js';
export { DEFAULTS } from './defaults.js';
export { REELTAPE_VERSION } from './version.js';
export { reportLateRequests, type LateRequest } from './late-requests.js';
