import { AsyncLocalStorage } from 'node:async_hooks';
import * as http from 'node:http';
import * as path from 'node:path';
import type { CassetteHandle, CassetteOptions } from '../session/index.js';
import type * as Session from '../session/index.js';
import { ReeltapeConfigError } from '../errors/index.js';
import { mergeCassetteOptions } from '../session/merge-options.js';
import { cassetteNamesFor } from './cassette-name.js';
import { eventFileSink } from './run-events.js';
import { fromSerializableOptions, type WireValue } from './serializable-options.js';

/** Env var through which the reporter tells workers where to write cassette events. */
export const RUN_DIR_ENV = 'REELTAPE_RUN_DIR';
/** Env var through which the reporter sends project-wide (serializable) cassette options to workers. */
export const OPTIONS_ENV = 'REELTAPE_JEST_OPTIONS';
/** Env var naming the project root cassette names are relative to (set by the reporter; default cwd). */
export const ROOT_ENV = 'REELTAPE_ROOT';

/** The parts of jest-circus's test and describe blocks reeltape reads. */
interface CircusBlock {
  name: string;
  parent?: CircusBlock;
}
interface CircusTest extends CircusBlock {
  type: 'test';
  fn: (this: unknown, ...args: unknown[]) => unknown;
}
interface CircusDescribe extends CircusBlock {
  type: 'describeBlock';
  children: Array<CircusTest | CircusDescribe>;
}
interface CircusState {
  currentDescribeBlock: CircusDescribe;
  rootDescribeBlock: CircusDescribe;
}
type CircusHandler = (event: { name: string; test?: CircusTest }, state: CircusState) => void;

/**
 * State shared by every copy of this module inside one test file's sandbox (a CommonJS and an ESM
 * copy can both be loaded there), kept on the sandbox's global object.
 */
interface SharedState {
  installed: boolean;
  circus: CircusState | undefined;
  rootOptions: CassetteOptions;
  describeOptions: WeakMap<object, CassetteOptions>;
  current: AsyncLocalStorage<CassetteHandle>;
}

const SHARED = Symbol.for('reeltape.jest.state');
const WRAPPED = Symbol.for('reeltape.jest.wrapped');
const SINK = Symbol.for('reeltape.jest.sink');

function shared(): SharedState {
  const g = globalThis as { [SHARED]?: SharedState };
  g[SHARED] ??= {
    installed: false,
    circus: undefined,
    rootOptions: {},
    describeOptions: new WeakMap(),
    current: new AsyncLocalStorage<CassetteHandle>(),
  };
  return g[SHARED];
}

/** The session functions the Jest adapter calls. */
type Core = Pick<typeof Session, 'configure' | 'onCassetteEvent' | 'withCassette' | 'reportLateRequests'> & {
  installInterception(): void;
};

let core: Core | undefined;
/** The global object of the realm the core runs in (outside Jest's sandbox). */
let outerGlobal: object = globalThis;

/**
 * Loads reeltape's core with Node's own `require`, outside Jest's module registry: Jest's sandboxed
 * `require` cannot load MSW's ESM-only dependencies on Node < 24.9, and one core per worker process
 * (instead of one per test file) keeps a single MSW server. Resolved from the working directory
 * (the project, where `reeltape` is installed), or from env `REELTAPE_CORE`.
 */
function loadCore(): Core {
  if (core) return core;
  // Builtin modules are the real ones in Jest, so their functions belong to the outer realm; that
  // realm's `process.getBuiltinModule` gives the real `module` (Jest replaces `createRequire` in its own).
  const outer = (http.request as unknown as { constructor: FunctionConstructor }).constructor('return globalThis')() as typeof globalThis;
  const realModule = outer.process.getBuiltinModule('node:module');
  const nativeRequire = realModule.createRequire(path.join(process.cwd(), 'jest.config.js'));
  core = nativeRequire(process.env['REELTAPE_CORE'] || 'reeltape') as Core;
  // Jest copied the outer realm's `fetch` into the sandbox before MSW patched it: forward the
  // sandbox's `fetch` to the outer realm's current one, so interception (and its end) apply.
  outerGlobal = outer;
  if (outer !== globalThis && typeof outer.fetch === 'function') {
    const forward: typeof fetch = (input, init) => outer.fetch(input, init);
    Object.defineProperty(globalThis, 'fetch', { value: forward, writable: true, configurable: true });
  }
  return core;
}

/** jest-circus 30 keeps its event handlers on the global; Jest 29 keeps them private to its module. */
function circusEventHandlers(): CircusHandler[] | undefined {
  const handlers = (globalThis as Record<symbol, unknown>)[Symbol.for('EVENT_HANDLERS')];
  return Array.isArray(handlers) ? (handlers as CircusHandler[]) : undefined;
}

/**
 * jest-circus's state (describe blocks, tests), which both Jest 29 and 30 keep on the global under a
 * local `Symbol('JEST_STATE_SYMBOL')`: found by that description.
 */
function circusState(): CircusState | undefined {
  const sym = Object.getOwnPropertySymbols(globalThis).find((s) => s.description === 'JEST_STATE_SYMBOL');
  const value = sym ? (globalThis as Record<symbol, unknown>)[sym] : undefined;
  return value && typeof value === 'object' && 'rootDescribeBlock' in value ? (value as CircusState) : undefined;
}

/** Whether this module runs inside a Jest (jest-circus) test sandbox. */
export function inJestSandbox(): boolean {
  const g = globalThis as { expect?: unknown };
  return typeof g.expect === 'function' && (circusEventHandlers() !== undefined || circusState() !== undefined);
}

function testPath(): string {
  const expectFn = (globalThis as { expect?: { getState?: () => { testPath?: string } } }).expect;
  return expectFn?.getState?.().testPath ?? 'unknown.test';
}

function titlesOf(test: CircusTest): string[] {
  const titles: string[] = [];
  for (let b: CircusBlock | undefined = test; b?.parent; b = b.parent) titles.unshift(b.name);
  return titles;
}

function optionsFor(test: CircusTest): CassetteOptions {
  const { describeOptions, rootOptions } = shared();
  const chain: CassetteOptions[] = [];
  for (let b: CircusBlock | undefined = test.parent; b; b = b.parent) {
    const o = describeOptions.get(b);
    if (o) chain.unshift(o);
  }
  return mergeCassetteOptions(rootOptions, ...chain);
}

/** Calls a test function, turning a `done`-callback test into a promise. */
function callTestFn(fn: CircusTest['fn'], self: unknown, args: unknown[]): unknown {
  if (fn.length <= args.length) return fn.apply(self, args);
  return new Promise<void>((resolve, reject) => {
    const done = (error?: unknown): void => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve());
    (done as { fail?: (e: unknown) => void }).fail = (e: unknown) => reject(e instanceof Error ? e : new Error(String(e)));
    fn.apply(self, [...args, done]);
  });
}

/** The cassette names of `tests` (declaration order; see {@link cassetteNamesFor}). */
function namesOf(tests: CircusTest[], file: string): string[] {
  return cassetteNamesFor(file, process.env[ROOT_ENV] || process.cwd(), tests.map(titlesOf));
}

function wrapTest(test: CircusTest, name: string): void {
  const original = test.fn as CircusTest['fn'] & { [WRAPPED]?: true };
  if (typeof original !== 'function' || original[WRAPPED]) return;
  const wrapped = function (this: unknown, ...args: unknown[]): Promise<unknown> {
    return loadCore().withCassette(name, (handle) => shared().current.run(handle, () => callTestFn(original, this, args)), optionsFor(test));
  };
  Object.defineProperty(wrapped, 'length', { value: 0 });
  (wrapped as typeof wrapped & { [WRAPPED]?: true })[WRAPPED] = true;
  test.fn = wrapped;
}

function testsIn(block: CircusDescribe): CircusTest[] {
  return block.children.flatMap((child) => (child.type === 'test' ? [child] : testsIn(child)));
}

function wrapAll(root: CircusDescribe, file: string): void {
  const tests = testsIn(root);
  const names = namesOf(tests, file);
  tests.forEach((test, i) => wrapTest(test, names[i] as string));
}

/**
 * Installs reeltape into the current Jest test file: every test's function is wrapped in
 * `withCassette`, named from the test file and its describe/test titles. Works for tests declared
 * through the globals and through `@jest/globals`, in CommonJS and ESM test files, because it wraps
 * the functions jest-circus registered (at `run_start`, before any test — concurrent ones included —
 * starts) instead of patching the `test` global. Called automatically when `reeltape/jest` is a
 * `setupFilesAfterEnv` entry.
 */
export function installJestHooks(): void {
  const state = shared();
  if (state.installed || !inJestSandbox()) return;
  state.installed = true;
  const { configure, onCassetteEvent, installInterception, reportLateRequests } = loadCore();
  // before the test file is imported: clients it builds at module scope see the interception
  installInterception();
  (globalThis as { afterAll?: (fn: () => void) => void }).afterAll?.(() => void reportLateRequests());
  const options = process.env[OPTIONS_ENV];
  if (options) configure(fromSerializableOptions(JSON.parse(options) as { [key: string]: WireValue }));
  // The core outlives each test file's sandbox: subscribe once per worker process.
  const runDir = process.env[RUN_DIR_ENV];
  const flags = outerGlobal as { [SINK]?: boolean };
  if (runDir && !flags[SINK]) {
    flags[SINK] = true;
    onCassetteEvent(eventFileSink(runDir));
  }
  const file = testPath();
  const handlers = circusEventHandlers();
  if (handlers) {
    const handler: CircusHandler = (event, circus) => {
      state.circus = circus;
      if (event.name === 'run_start') wrapAll(circus.rootDescribeBlock, file);
      else if (event.name === 'test_fn_start' && event.test) wrapTest(event.test, namesOf([event.test], file)[0] as string);
    };
    handlers.push(handler);
    return;
  }
  // Jest 29: no event hook reaches a setup file. A root-level beforeAll, registered before the test
  // file's own hooks, runs after every test is declared and before any (concurrent ones included) starts.
  state.circus = circusState();
  (globalThis as { beforeAll?: (fn: () => void) => void }).beforeAll?.(() => {
    const circus = circusState();
    if (circus) wrapAll(circus.rootDescribeBlock, file);
  });
}

/**
 * Sets cassette options for the tests of the current `describe` block (or of the whole file when
 * called at the top level). Layers merge as in the Vitest adapter (see `mergeCassetteOptions`):
 * inner blocks over outer ones over the reporter's options and `configure()`, key by key, `match`
 * key by key too.
 *
 * @example
 * describe('search', () => {
 *   useCassetteOptions({ allowRepeats: true, match: { ignoreQueryParams: ['_ts'] } });
 *   test('finds users', async () => { … });
 * });
 */
export function useCassetteOptions(options: CassetteOptions): void {
  const state = shared();
  const block = state.circus?.currentDescribeBlock;
  if (!block || block === state.circus?.rootDescribeBlock) state.rootOptions = mergeCassetteOptions(state.rootOptions, options);
  else state.describeOptions.set(block, mergeCassetteOptions(state.describeOptions.get(block), options));
}

/**
 * The cassette of the running test (`name`, `file`, `mode`, `recordedAt`, `stats()`).
 *
 * @throws ReeltapeConfigError outside a test wrapped by reeltape
 * @example
 * test('lists users', async () => {
 *   await fetch('https://api.example.com/users');
 *   expect(currentCassette().stats().unmatched).toBe(0);
 * });
 */
export function currentCassette(): CassetteHandle {
  const handle = shared().current.getStore();
  if (!handle) {
    throw new ReeltapeConfigError(
      `currentCassette() was called outside a test wrapped by reeltape. Add 'reeltape/jest' to setupFilesAfterEnv in your Jest config, and call it from inside a test.`,
    );
  }
  return handle;
}
