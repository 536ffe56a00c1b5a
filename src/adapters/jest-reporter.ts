import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import type { CassetteOptions } from '../session/index.js';
import { cassetteNamesFor } from './cassette-name.js';
import { OPTIONS_ENV, ROOT_ENV, RUN_DIR_ENV } from './jest-setup.js';
import { readRunEvents, runDirectory } from './run-events.js';
import { formatRunReport, summarizeRun, writeRunRecord } from './run-report.js';
import { toSerializableOptions } from './serializable-options.js';

/** Options of the Jest reporter: `reporters: ['default', ['reeltape/jest', { dir: 'cassettes' }]]`. */
export interface ReeltapeJestReporterOptions extends Partial<CassetteOptions> {
  /** `'summary'` (default), `'full'` (list replayed cassettes too) or `false` (print nothing). */
  report?: 'summary' | 'full' | false;
}

/** The parts of Jest's global config the reporter reads. */
interface JestGlobalConfigLike {
  rootDir: string;
  testNamePattern?: string | undefined;
  onlyChanged?: boolean;
  findRelatedTests?: boolean;
  shard?: { shardIndex: number; shardCount: number } | undefined;
  testPathPatterns?: { isSet?: () => boolean; patterns?: string[] } | string[];
  nonFlagArgs?: string[];
}

/** The parts of Jest's aggregated results the reporter reads. */
interface JestResultsLike {
  testResults: Array<{
    testFilePath: string;
    testExecError?: unknown;
    failureMessage?: string | null;
    testResults: Array<{ title: string; ancestorTitles: string[]; status: string }>;
  }>;
}

function partialReason(config: JestGlobalConfigLike): string | undefined {
  if (config.shard) return `--shard ${config.shard.shardIndex}/${config.shard.shardCount} was used`;
  if (config.testNamePattern) return 'a test name filter (-t) was used';
  if (config.onlyChanged || config.findRelatedTests) return 'only changed/related tests ran';
  const patterns = config.testPathPatterns;
  const filtered = Array.isArray(patterns) ? patterns.length > 0 : (patterns?.isSet?.() ?? (patterns?.patterns?.length ?? 0) > 0);
  if (filtered || (config.nonFlagArgs?.length ?? 0) > 0) return 'a file filter was used';
  return undefined;
}

/**
 * Jest reporter: prints which cassettes were recorded, replayed or left unused at the end of the
 * run and writes the run record `reeltape prune` reads. Workers (set up by the same module as a
 * `setupFilesAfterEnv` entry) write one JSON line per cassette into a run directory under
 * `node_modules/.cache/reeltape/`, whose path the reporter passes them in env `REELTAPE_RUN_DIR`;
 * reporter options (serializable cassette defaults) reach them in env `REELTAPE_JEST_OPTIONS`.
 *
 * @example
 * // jest.config.js
 * export default {
 *   setupFilesAfterEnv: ['reeltape/jest'],
 *   reporters: ['default', ['reeltape/jest', { dir: 'cassettes' }]],
 * };
 */
export class ReeltapeJestReporter {
  private readonly root: string;
  private readonly runDir: string;
  private readonly dir: string;
  private readonly report: 'summary' | 'full' | false;

  /**
   * @param globalConfig Jest's global config
   * @param options reporter options: serializable cassette defaults plus `report`
   */
  constructor(
    private readonly globalConfig: JestGlobalConfigLike,
    options: ReeltapeJestReporterOptions = {},
  ) {
    const { report = 'summary', ...cassetteOptions } = options ?? {};
    this.report = report;
    this.root = globalConfig.rootDir;
    this.dir = path.resolve(this.root, String(cassetteOptions.dir ?? 'cassettes'));
    this.runDir = runDirectory(this.root, `${Date.now()}-${process.pid}-${randomBytes(3).toString('hex')}`);
    // Workers are started after reporters are created and inherit this process's environment.
    process.env[RUN_DIR_ENV] = this.runDir;
    process.env[ROOT_ENV] ??= this.root;
    process.env[OPTIONS_ENV] = JSON.stringify(toSerializableOptions({ ...cassetteOptions, dir: this.dir }));
  }

  /** @internal */
  async onRunComplete(_contexts: unknown, results: JestResultsLike): Promise<void> {
    const events = readRunEvents(this.runDir);
    const keepNames: string[] = [];
    let loadFailure = false;
    for (const file of results.testResults) {
      if (file.testExecError) loadFailure = true;
      // results come in declaration order, which names a repeated title's cassette
      const names = cassetteNamesFor(file.testFilePath, process.env[ROOT_ENV] ?? this.root, file.testResults.map((t) => [...t.ancestorTitles, t.title]));
      file.testResults.forEach((t, i) => {
        if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo' || t.status === 'disabled') keepNames.push(names[i] as string);
      });
    }
    const partial = partialReason(this.globalConfig) ?? (loadFailure ? 'a test file failed to load' : undefined);
    const summary = summarizeRun({ events, dir: this.dir, partialReason: partial, keepNames });
    if (this.report !== false && (events.length > 0 || (summary.unusedFiles?.length ?? 0) > 0)) {
      process.stderr.write(`\n${formatRunReport(summary, this.root, { full: this.report === 'full' })}`);
    }
    await writeRunRecord(this.root, summary, 'jest');
    rmSync(this.runDir, { recursive: true, force: true });
  }

  /** @internal Jest asks reporters for an error to fail the run with; reeltape never fails it. */
  getLastError(): Error | undefined {
    return undefined;
  }
}
