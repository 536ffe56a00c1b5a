/**
 * The README's Errors section lists every error class reeltape exports, each in a table row that
 * says when it happens and what is kept (a new class without a row fails here).
 */
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { ReeltapeError } from '../../src/errors/index.js';

it('every exported error class has a README Errors row with when and what is kept', async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Errors\n'), readme.indexOf('\n## ', readme.indexOf('\n## Errors\n') + 1));
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  const classes = Object.entries(api)
    .filter(([, value]) => typeof value === 'function' && (value === ReeltapeError || value.prototype instanceof ReeltapeError))
    .map(([name]) => name);
  expect(classes.length).toBeGreaterThan(10);
  expect(section).toContain('`ReeltapeError`');
  for (const name of classes.filter((n) => n !== 'ReeltapeError')) {
    const row = rows.find((line) => line.includes(`\`${name}\``));
    expect(row, `${name} has no row in the README's Errors table`).toBeDefined();
    const cells = (row as string).split(' | ');
    expect(cells.length, name).toBeGreaterThanOrEqual(3);
    expect((cells[cells.length - 1] as string).replace(/\|\s*$/, '').trim(), `${name}: what is kept`).not.toBe('');
  }
});
