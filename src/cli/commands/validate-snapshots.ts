import type { Command } from '../command.js';

/** `reeltape validate-snapshots` — placeholder until its issue lands. */
export const validateSnapshotsCommand: Command = {
  name: 'validate-snapshots',
  summary: '(not built yet)',
  usage: 'reeltape validate-snapshots',
  async run(_argv, io) {
    io.stderr('reeltape validate-snapshots is not built yet\n');
    return 1;
  },
};
