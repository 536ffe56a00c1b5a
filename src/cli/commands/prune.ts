import type { Command } from '../command.js';

/** `reeltape prune` — placeholder until its issue lands. */
export const pruneCommand: Command = {
  name: 'prune',
  summary: '(not built yet)',
  usage: 'reeltape prune',
  async run(_argv, io) {
    io.stderr('reeltape prune is not built yet\n');
    return 1;
  },
};
