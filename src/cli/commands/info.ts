import type { Command } from '../command.js';

/** `reeltape info` — placeholder until its issue lands. */
export const infoCommand: Command = {
  name: 'info',
  summary: '(not built yet)',
  usage: 'reeltape info',
  async run(_argv, io) {
    io.stderr('reeltape info is not built yet\n');
    return 1;
  },
};
