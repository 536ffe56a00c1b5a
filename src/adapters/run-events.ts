import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import type { onCassetteEvent } from '../session/index.js';

/** The event `onCassetteEvent` emits when a cassette closes. */
export type SessionCassetteEvent = Parameters<Parameters<typeof onCassetteEvent>[0]>[0];

/** What one test's cassette did, in a form that crosses process boundaries (JSON). */
export interface RunEvent {
  /** Cassette name. */
  name: string;
  /** Absolute path of the cassette file. */
  file: string;
  /** Effective mode (`record`, `replay`, `update`, `passthrough`). */
  mode: string;
  /** Interactions answered from the cassette. */
  replayed: number;
  /** Interactions recorded. */
  recorded: number;
  /** Indexes of recorded interactions no request used (replay/update). */
  unused: number[];
  /** Recorded function tape calls never made (replay), as `calls[i] alias(…)`. */
  unusedCalls?: string[];
  /** What the cassette closed with, if it failed. */
  error?: { name: string; message: string };
}

/** Converts a session event into a {@link RunEvent}. */
export function toRunEvent(event: SessionCassetteEvent): RunEvent {
  const out: RunEvent = {
    name: event.name,
    file: event.file,
    mode: String(event.mode),
    replayed: event.replayed,
    recorded: event.recorded,
    unused: [...event.unused],
  };
  if (event.unusedCalls) out.unusedCalls = [...event.unusedCalls];
  if (event.error) out.error = { name: event.error.name, message: event.error.message };
  return out;
}

/**
 * Where a run's per-worker event files live: `<root>/node_modules/.cache/reeltape/run-<id>/`.
 * Each worker appends JSON lines to its own file (`<pid>-<threadId>.jsonl`), so writers never interleave.
 */
export function runDirectory(root: string, id: string): string {
  return path.join(root, 'node_modules', '.cache', 'reeltape', `run-${id}`);
}

/**
 * Returns a listener that appends each event as one JSON line to this worker's file in `runDir`.
 * Writes are synchronous so nothing is lost when a worker exits right after its last test.
 */
export function eventFileSink(runDir: string): (event: SessionCassetteEvent) => void {
  const file = path.join(runDir, `${process.pid}-${threadId}.jsonl`);
  return (event) => {
    mkdirSync(runDir, { recursive: true });
    appendFileSync(file, `${JSON.stringify(toRunEvent(event))}\n`);
  };
}

/** Reads every event the workers of a run wrote (missing directory: none). Malformed lines are skipped. */
export function readRunEvents(runDir: string): RunEvent[] {
  let names: string[];
  try {
    names = readdirSync(runDir).filter((n) => n.endsWith('.jsonl'));
  } catch {
    return [];
  }
  const events: RunEvent[] = [];
  for (const name of names.sort()) {
    for (const line of readFileSync(path.join(runDir, name), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        events.push(JSON.parse(line) as RunEvent);
      } catch {
        // a worker killed mid-write leaves a partial last line
      }
    }
  }
  return events;
}
