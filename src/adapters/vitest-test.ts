import { aroundEach, inject, test as baseTest, TestRunner } from 'vitest';
import type { TestAPI, TestContext } from 'vitest';
import { configure, mergeCassetteOptions, onCassetteEvent, withCassette } from '../session/index.js';
import type { CassetteHandle, CassetteOptions } from '../session/index.js';
import { ReeltapeConfigError } from '../errors/index.js';
import { cassetteNamesFor } from './cassette-name.js';
import { toRunEvent, type RunEvent } from './run-events.js';
import { fromSerializableOptions, type ProvidedReeltape } from './serializable-options.js';

/** What a test receives as its `cassette` fixture: the open cassette of this test. */
export type CassetteFixture = CassetteHandle;

/** The fixtures reeltape adds to Vitest's test context. */
export interface ReeltapeFixtures {
  /** The cassette wrapping this test (`name`, `file`, `mode`, `recordedAt`, `stats()`). */
  cassette: CassetteFixture;
  /** Options for this test's cassette; set them per describe with {@link useCassetteOptions} or `test.override`. */
  cassetteOptions: CassetteOptions;
}

/** Vitest's test API extended with reeltape's fixtures. */
export type ReeltapeTestAPI = TestAPI<ReeltapeFixtures>;

/** Key under which the per-test cassette summary is stored in `task.meta` (read by the reporter). */
export const META_KEY = 'reeltape';

/** Open cassette handles by test context, so the `cassette` fixture can hand out the one `aroundEach` opened. */
const handles = new WeakMap<object, CassetteHandle>();
/** Suites (and files) that already have reeltape's `aroundEach` hook. */
const hookedSuites = new WeakSet<object>();
let workerConfigured = false;
let extended: ReeltapeTestAPI | undefined;

function realTest(): ReeltapeTestAPI {
  extended ??= baseTest.extend<ReeltapeFixtures>({
    cassetteOptions: {},
    cassette: async ({ task }, use) => {
      const handle = handles.get(task);
      if (!handle) {
        throw new ReeltapeConfigError(
          `The "cassette" fixture of test "${task.name}" has no open cassette: reeltape's aroundEach hook is not installed in this file. ` +
            `Add the plugin to vitest.config.ts (plugins: [reeltape()] from 'reeltape/vitest'), or call installCassetteHooks() in a setup file.`,
        );
      }
      await use(handle);
    },
  }) as unknown as ReeltapeTestAPI;
  return extended;
}

/** Reads what the plugin provided to this worker (`undefined` when the plugin is not used). */
function provided(): ProvidedReeltape | undefined {
  try {
    return (inject as (key: string) => unknown)('reeltape') as ProvidedReeltape | undefined;
  } catch {
    return undefined;
  }
}

function projectRoot(): string {
  const fromPlugin = provided()?.root;
  if (fromPlugin) return fromPlugin;
  const worker = (globalThis as { __vitest_worker__?: { config?: { root?: string } } }).__vitest_worker__;
  return worker?.config?.root ?? process.cwd();
}

/** The describe titles (outermost first) and the test title of a Vitest task. */
function titlesOf(task: TestContext['task']): string[] {
  const titles = [task.name];
  for (let suite = task.suite; suite && suite !== task.file && suite.name; suite = suite.suite) {
    titles.unshift(suite.name);
  }
  return titles;
}

type VitestTest = TestContext['task'];

/** Every test of a suite or file, in declaration order. */
function testsIn(suite: { tasks?: unknown[] }): VitestTest[] {
  return (suite.tasks ?? []).flatMap((t) => ((t as { type: string }).type === 'suite' ? testsIn(t as { tasks?: unknown[] }) : [t as VitestTest]));
}

/** Cassette names of each file's tests by task id, computed once per file (after collection). */
const namesByFile = new WeakMap<object, Map<string, string>>();

/**
 * The cassette name Vitest's adapter gives a test (see {@link cassetteNamesFor}: a second test
 * with the same titles in one file gets ` (2)`).
 *
 * @example
 * test('lists users', ({ task }) => {
 *   expect(vitestCassetteName(task)).toBe('tests/users.test/lists users');
 * });
 */
export function vitestCassetteName(task: VitestTest): string {
  let names = namesByFile.get(task.file);
  if (!names?.has(task.id)) {
    const tests = testsIn(task.file);
    const list = cassetteNamesFor(task.file.filepath, projectRoot(), tests.map(titlesOf));
    names = new Map(tests.map((t, i) => [t.id, list[i] as string]));
    namesByFile.set(task.file, names);
  }
  return names.get(task.id) ?? (cassetteNamesFor(task.file.filepath, projectRoot(), [titlesOf(task)])[0] as string);
}

/**
 * The `aroundEach` body: runs the test inside `withCassette`, so the whole test body — fixtures,
 * `beforeEach` hooks and the test function — runs inside the cassette's AsyncLocalStorage context.
 * Tests not declared with reeltape's `test` (no `cassetteOptions` fixture) run untouched.
 */
async function wrapTest(
  runTest: () => Promise<void>,
  task: TestContext['task'],
  cassetteOptions: CassetteOptions | undefined,
): Promise<void> {
  if (cassetteOptions === undefined || handles.has(task)) {
    await runTest();
    return;
  }
  const name = vitestCassetteName(task);
  let event: RunEvent | undefined;
  const off = onCassetteEvent((e) => {
    if (e.name === name) event = toRunEvent(e);
  });
  try {
    await withCassette(
      name,
      async (handle) => {
        handles.set(task, handle);
        await runTest();
      },
      optionsFor(task, cassetteOptions),
    );
  } finally {
    off();
    handles.delete(task);
    if (event) (task.meta as Record<string, unknown>)[META_KEY] = event;
  }
}

/**
 * Registers reeltape's `aroundEach` hook in the suite being collected, once per suite. The plugin's
 * setup file calls it for every test file; reeltape's `test` also calls it when a test is declared,
 * so the adapter works without the plugin too. Also applies the plugin's project-wide defaults once
 * per worker.
 *
 * @example
 * // vitest.setup.ts, when not using the plugin
 * import { installCassetteHooks } from 'reeltape/vitest';
 * installCassetteHooks();
 */
export function installCassetteHooks(): void {
  if (!workerConfigured) {
    workerConfigured = true;
    const fromPlugin = provided();
    if (fromPlugin) configure(fromSerializableOptions(fromPlugin.options));
  }
  let collector: ReturnType<typeof TestRunner.getCurrentSuite>;
  try {
    collector = TestRunner.getCurrentSuite();
  } catch {
    return; // not collecting (e.g. imported from vitest.config.ts)
  }
  const suite: object | undefined = collector?.suite ?? collector?.file;
  if (!suite) return;
  for (let s = suite as { suite?: object; file?: object } | undefined; s; s = s.suite) {
    if (hookedSuites.has(s)) return;
  }
  hookedSuites.add(suite);
  // Vitest reads the fixtures a hook uses from its source: the second parameter must be destructured.
  const hook = async (runTest: () => Promise<void>, { task, cassetteOptions }: TestContext & Partial<ReeltapeFixtures>) =>
    wrapTest(runTest, task, cassetteOptions);
  aroundEach(hook as Parameters<typeof aroundEach>[0]);
}

/**
 * Vitest's `test`, extended with a `cassette` fixture: each test runs inside its own cassette,
 * `cassettes/<test file>/<describe>/<test>.json`. `test.concurrent` tests each get their own.
 * Created lazily, so `reeltape/vitest` can be imported from `vitest.config.ts`.
 *
 * @example
 * import { test, expect } from 'reeltape/vitest';
 * test('lists users', async ({ cassette }) => {
 *   const res = await fetch('https://api.example.com/users');
 *   expect(res.status).toBe(200);
 *   expect(cassette.mode).not.toBe('passthrough');
 * });
 */
export const test: ReeltapeTestAPI = new Proxy(function reeltapeTest() {} as unknown as ReeltapeTestAPI, {
  apply(_target, _this, args: unknown[]) {
    installCassetteHooks();
    return (realTest() as unknown as (...a: unknown[]) => unknown)(...args);
  },
  get(_target, property) {
    const real = realTest();
    if (property === 'name' || property === 'length') return Reflect.get(real, property);
    installCassetteHooks();
    const descriptor = findDescriptor(real, property);
    const value: unknown = Reflect.get(real, property, real);
    // Methods read their chain state from `this`; getters (`concurrent`, `skip`…) already returned a bound chain.
    if (typeof value === 'function' && descriptor && !descriptor.get) {
      return Object.assign((...a: unknown[]) => (value as (...b: unknown[]) => unknown).apply(real, a), value);
    }
    return value;
  },
  has(_target, property) {
    return property in realTest();
  },
});

function findDescriptor(object: object, property: PropertyKey): PropertyDescriptor | undefined {
  for (let o: object | null = object; o; o = Object.getPrototypeOf(o) as object | null) {
    const d = Object.getOwnPropertyDescriptor(o, property);
    if (d) return d;
  }
  return undefined;
}

/** Alias of {@link test}. */
export const it: ReeltapeTestAPI = test;

/**
 * Sets cassette options for every reeltape test in the current `describe` block (or the whole file,
 * at the top level) and the blocks inside it. Layers merge as in the Jest adapter (see
 * `mergeCassetteOptions`): inner blocks over outer ones over the plugin's options and `configure()`,
 * key by key, `match` key by key too; a test's own `test.override({ cassetteOptions })` is merged last.
 *
 * @example
 * describe('search', () => {
 *   useCassetteOptions({ match: { ignoreQueryParams: ['_ts'] }, allowRepeats: true });
 *   test('finds users', async () => { … });
 * });
 */
export function useCassetteOptions(options: CassetteOptions): void {
  installCassetteHooks();
  const collector = TestRunner.getCurrentSuite();
  const suite: object | undefined = collector?.suite ?? collector?.file;
  if (suite) suiteOptions.set(suite, mergeCassetteOptions(suiteOptions.get(suite), options));
}

/** Options from {@link useCassetteOptions}, by describe block (or file). */
const suiteOptions = new WeakMap<object, CassetteOptions>();

/** The options of a test's cassette: its blocks' (outermost first), then its own fixture's. */
function optionsFor(task: TestContext['task'], own: CassetteOptions): CassetteOptions {
  const chain: CassetteOptions[] = [];
  const seen = new Set<object>();
  for (let s: object | undefined = task.suite; s && !seen.has(s); s = (s as { suite?: object }).suite) {
    seen.add(s);
    const o = suiteOptions.get(s);
    if (o) chain.unshift(o);
  }
  const fileOptions = seen.has(task.file) ? undefined : suiteOptions.get(task.file);
  return mergeCassetteOptions(fileOptions, ...chain, own);
}
