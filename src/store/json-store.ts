import { loadForReplay } from '../cassette/replay-loader.js';
import { loadCassette, resolveCassettePath, saveCassette } from '../cassette/storage.js';
import { acquireLock } from '../session/lock.js';
import { listFiles, removeWithSideFiles } from './files.js';
import type { CassetteStore } from './types.js';

/**
 * The default store: reeltape's own JSON format, `<dir>/<name>.json`, large bodies in
 * content-addressed side files `<name>.bodies/<sha256>`, large responses read on first use when
 * replaying (decision 0005). It only forwards to `loadCassette`/`loadForReplay`/`saveCassette`/`acquireLock`.
 *
 * @example
 * import { configure, jsonStore } from 'reeltape';
 *
 * configure({ store: jsonStore() }); // the same as not setting `store`
 */
export function jsonStore(): CassetteStore {
  return JSON_STORE;
}

const JSON_STORE: CassetteStore = Object.freeze<CassetteStore>({
  name: 'json',
  extension: '.json',
  resolve: resolveCassettePath,
  load: (file) => loadCassette(file),
  loadForReplay: (file) => loadForReplay(file),
  save: async (file, cassette, options) => {
    await saveCassette(file, cassette, options);
  },
  lock: (file) => acquireLock(file),
  list: (dir) => listFiles(dir, '.json'),
  remove: removeWithSideFiles,
});
