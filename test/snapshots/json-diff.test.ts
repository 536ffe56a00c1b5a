import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputCompareError, ReeltapeConfigError, diffJsonFiles, diffJsonValues, type JsonDiffOptions } from '../../src/index.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('json-diff');
});
afterEach(removeTempDirs);

async function diffFiles(name: string, before: string, after: string, options: JsonDiffOptions = {}) {
  await writeFile(path.join(dir, `a-${name}`), before);
  await writeFile(path.join(dir, `b-${name}`), after);
  return diffJsonFiles(path.join(dir, `a-${name}`), path.join(dir, `b-${name}`), options);
}

const MCE = (urn: string, lastObserved: number, runId: string, name: string) => ({
  entityUrn: urn,
  aspect: { name, tags: ['a', 'b'] },
  systemMetadata: { lastObserved, runId },
});

describe('diffJsonFiles', () => {
  it('a JSON file with reordered keys and ignored paths is equal', async () => {
    const before = JSON.stringify([MCE('urn:1', 1700000000, 'run-a', 'orders'), MCE('urn:2', 1700000001, 'run-a', 'users')], null, 2);
    const afterValue = [MCE('urn:1', 1800000000, 'run-b', 'orders'), MCE('urn:2', 1800000009, 'run-b', 'users')].map((m) => ({
      systemMetadata: { runId: m.systemMetadata.runId, lastObserved: m.systemMetadata.lastObserved },
      aspect: { tags: m.aspect.tags, name: m.aspect.name },
      entityUrn: m.entityUrn,
    }));
    const options = { ignorePaths: ['$[*].systemMetadata.lastObserved', '$..runId'] };
    expect(await diffFiles('mces.json', before, JSON.stringify(afterValue), options)).toEqual({ equal: true, count: 0, changes: [] });
    // without the ignore paths the volatile fields are the differences
    const strict = await diffFiles('mces.json', before, JSON.stringify(afterValue));
    expect(strict.count).toBe(4);
    expect(strict.changes[0]).toEqual({ path: '$[0].systemMetadata.lastObserved', change: 'changed', before: 1700000000, after: 1800000000 });
  });

  it('NDJSON with reordered lines is equal with arrayOrder ignore and differs by line otherwise', async () => {
    const lines = [{ id: 1, v: 'x' }, { id: 2, v: 'y' }, { id: 3, v: 'z' }];
    const before = `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
    const after = `${[lines[2], lines[0], lines[1]].map((l) => JSON.stringify(l)).join('\r\n')}\r\n\n`;
    expect((await diffFiles('rows.ndjson', before, after, { arrayOrder: 'ignore' })).equal).toBe(true);
    expect((await diffFiles('rows.jsonl', before, after, { arrayOrder: 'ignore' })).equal).toBe(true);
    const strict = await diffFiles('rows.ndjson', before, after);
    expect(strict.equal).toBe(false);
    expect(strict.changes[0]).toEqual({ path: '$[0].id', change: 'changed', before: 1, after: 3 });
  });

  it('arrayOrder ignore reports the unmatched elements as removed and added', async () => {
    const d = await diffFiles('rows.ndjson', '{"id":1}\n{"id":2}\n', '{"id":2}\n{"id":3}\n', { arrayOrder: 'ignore' });
    expect(d.changes).toEqual([
      { path: '$[0]', change: 'removed', before: { id: 1 } },
      { path: '$[1]', change: 'added', after: { id: 3 } },
    ]);
  });

  it('a bad NDJSON line is an OutputCompareError naming file and line', async () => {
    const err = await diffFiles('rows.ndjson', '{"id":1}\n', '{"id":1}\n{oops\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputCompareError);
    expect((err as Error).message).toContain(`${path.join(dir, 'b-rows.ndjson')}:2 is not a JSON value`);
  });
});

describe('diffJsonValues', () => {
  it('reports nested paths with before/after, added and removed members', () => {
    const d = diffJsonValues({ user: { name: 'a', 'first name': 'x' }, gone: 1, list: [1, 2] }, { user: { name: 'b', 'first name': 'x', age: 3 }, list: [1] });
    expect(d.changes).toEqual([
      { path: '$.gone', change: 'removed', before: 1 },
      { path: '$.list[1]', change: 'removed', before: 2 },
      { path: '$.user.age', change: 'added', after: 3 },
      { path: '$.user.name', change: 'changed', before: 'a', after: 'b' },
    ]);
    expect(diffJsonValues({ 'a b': 1 }, { 'a b': 2 }).changes[0]?.path).toBe("$['a b']");
    expect(diffJsonValues({ n: 1 }, { n: '1' }).equal).toBe(false);
  });

  it('ignore paths: member, wildcard, index, bracket name and descendant', () => {
    const a = { meta: { runId: 'a', at: 1 }, items: [{ runId: 'a', v: 1 }, { v: 2, x: 'p' }], 'odd key': 1 };
    const b = { meta: { runId: 'b', at: 2 }, items: [{ runId: 'b', v: 1 }, { v: 2, x: 'q' }], 'odd key': 2 };
    expect(diffJsonValues(a, b, { ignorePaths: ['$..runId', '$.meta.at', '$.items[1].x', "$['odd key']"] }).equal).toBe(true);
    expect(diffJsonValues(a, b, { ignorePaths: ['$..runId', '$.meta.*', '$.items[*].x', '$["odd key"]'] }).equal).toBe(true);
    expect(diffJsonValues(a, b, { ignorePaths: ['$..runId', '$.meta.at', "$['odd key']"] }).changes.map((c) => c.path)).toEqual(['$.items[1].x']);
  });

  it('arrayOrder ignore applies to nested arrays too', () => {
    expect(diffJsonValues({ t: [[1, 2], [3]] }, { t: [[3], [2, 1]] }, { arrayOrder: 'ignore' }).equal).toBe(true);
    expect(diffJsonValues({ t: [[1, 2], [3]] }, { t: [[3], [2, 1]] }).equal).toBe(false);
  });

  it('an unsupported ignore path is a ReeltapeConfigError naming it', () => {
    expect(() => diffJsonValues({}, {}, { ignorePaths: ['runId'] })).toThrow(ReeltapeConfigError);
    expect(() => diffJsonValues({}, {}, { ignorePaths: ['$.a[?(@.x)]'] })).toThrow(/Invalid ignore path "\$\.a\[\?\(@\.x\)\]"/);
  });

  it('maxDiffs caps the list, not the count', () => {
    const d = diffJsonValues(Array.from({ length: 50 }, (_, i) => i), Array.from({ length: 50 }, (_, i) => i + 1), { maxDiffs: 2 });
    expect(d.count).toBe(50);
    expect(d.changes).toHaveLength(2);
  });
});
