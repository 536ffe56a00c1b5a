import { it } from 'vitest';
import { auditCassettes } from '../../src/audit/index.js';
import { withCassette } from '../../src/session/index.js';
import { makeTempDir } from '../../test/helpers/index.js';
import { findPlanted, readAll } from '../../test/secrets/planted.js';
import { redClient, redClientSecrets, redServerSecrets, startRedServer } from '../../test/secrets/red-team-traffic.js';
it('debug', async () => {
  const dir = await makeTempDir('rt-dbg');
  const server = redServerSecrets(); const client = redClientSecrets();
  const api = await startRedServer(server);
  try { await withCassette('red', () => redClient(api.url, client), { dir, mode: 'record' }); } finally { await api.close(); }
  const files = await readAll(dir);
  console.log(findPlanted(files, { ...client, ...server }).join('\n'));
  console.log('DIR', dir);
  const dir2 = await makeTempDir('rt-dbg-off');
  const api2 = await startRedServer(server);
  try { await withCassette('off', () => redClient(api2.url, client), { dir: dir2, mode: 'record', defaultSanitizer: false }); } finally { await api2.close(); }
  const report = await auditCassettes(dir2);
  console.log(report.findings.map((f) => `${f.interaction} ${f.path} ${f.rule} ${f.masked}`).join('\n'));
  console.log('DIR2', dir2);
}, 60000);
