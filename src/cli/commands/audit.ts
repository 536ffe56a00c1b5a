import type { Command } from '../command.js';

/** `reeltape audit` — placeholder until its issue lands. */
export const auditCommand: Command = {
  name: 'audit',
  summary: '(not built yet)',
  usage: 'reeltape audit',
  async run(_argv, io) {
    io.stderr('reeltape audit is not built yet\n');
    return 1;
  },
};
