import { afterAll, describe, expect, it } from 'vitest';
import { withCassette } from '../../src/session/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/index.js';
import { clientSecrets, findPlanted, plantedClient, readAll, serverSecrets, startPlantedServer } from './planted.js';

afterAll(removeTempDirs);

describe('planted secrets, recorded with DEFAULT options', () => {
  it('leave no secret under the cassette dir in any spelling, and replay with other secret values still matches', async () => {
    const dir = await makeTempDir('planted');
    const server = serverSecrets();
    const client = clientSecrets();
    const api = await startPlantedServer(server);
    let recorded: number[];
    try {
      recorded = await withCassette('planted', () => plantedClient(api.url, client), { dir, mode: 'record' });
    } finally {
      await api.close();
    }
    expect(recorded).toEqual([200, 200, 200, 200, 201, 401, 200, 200, 200, 200, 200]);

    const files = await readAll(dir);
    expect(files.length).toBeGreaterThan(0);
    const planted = { ...client, ...server };
    expect(Object.keys(planted).length).toBeGreaterThanOrEqual(45);
    expect(findPlanted(files, planted)).toEqual([]);

    // the markers say what was found (the recording is readable, not just emptied)
    const text = files.map((f) => f.bytes.toString('utf8')).join('\n');
    for (const marker of ['[REDACTED:github-token]', '[REDACTED:telegram-bot-token]', '[REDACTED:privatekey]', '[REDACTED:secretaccesskey]', '[REDACTED:password]', '[REDACTED:apitoken]', '[REDACTED:code]', '[REDACTED:x-goog-signature]']) {
      expect(text, marker).toContain(marker);
    }

    // replay: the server is gone; the client sends different secret values and still gets its answers
    const replayed = await withCassette('planted', () => plantedClient(api.url, clientSecrets()), { dir, mode: 'replay' });
    expect(replayed).toEqual(recorded);
  });
});
