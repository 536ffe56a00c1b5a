import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { auditCassettes, DEFAULT_ALLOW_FILE, type AuditFinding } from '../../audit/index.js';
import type { Command } from '../command.js';

const USAGE = `Usage: reeltape audit [dir] [--config file.json]… [--allow file] [--json]

Scans every cassette under dir (recursively; default: ./cassettes) for secrets that slipped
through: JWTs, bearer tokens, AWS access key ids, GitHub and Slack tokens, private-key blocks,
long high-entropy values in credential-looking fields, and the literal values of "#" keys in the
given component configs (raw, URL-encoded, base64). Values are shown masked.
Exit code: 0 clean, 1 findings, 2 usage error.

Options:
  --config <file>  a component config.json whose "#" secrets to look for (repeatable)
  --allow <file>   allow-list of reviewed findings (default: ./${DEFAULT_ALLOW_FILE} if present);
                   entries { "file"?, "path"?, "rule"?, "sha256"? }, each given field must match
  --json           print the report as JSON (includes each finding's sha256 for the allow-list)
`;

function line(f: AuditFinding): string {
  const where = f.interaction < 0 ? '' : `interaction ${f.interaction}  `;
  return `${f.file}  ${where}${f.path}  ${f.rule}  ${f.masked}  sha256:${f.sha256.slice(0, 12)}\n`;
}

/** `reeltape audit` — scan cassettes for leaked secrets; exits 1 on findings so it can gate CI. */
export const auditCommand: Command = {
  name: 'audit',
  summary: 'scan cassettes for leaked secrets (exit 1 on findings)',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', multiple: true },
        allow: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    if (positionals.length > 1) {
      io.stderr(`reeltape audit: expected at most one directory, got ${positionals.length}.\n\n${USAGE}`);
      return 2;
    }
    const dir = resolve(io.cwd, positionals[0] ?? 'cassettes');
    const defaultAllow = resolve(io.cwd, DEFAULT_ALLOW_FILE);
    const allowFile = values.allow !== undefined ? resolve(io.cwd, values.allow) : existsSync(defaultAllow) ? defaultAllow : undefined;
    const report = await auditCassettes(dir, {
      configs: (values.config ?? []).map((c) => resolve(io.cwd, c)),
      ...(allowFile ? { allowFile } : {}),
    });
    const shownDir = relative(io.cwd, report.dir) || '.';
    const withDir = (f: string): string => (shownDir === '.' ? f : `${shownDir}/${f}`);

    if (values.json) {
      io.stdout(`${JSON.stringify({ dir: shownDir, files: report.files.length, findings: report.findings.map((f) => ({ ...f, file: withDir(f.file) })), allowed: report.allowed, unparsed: report.unparsed.map((u) => ({ ...u, file: withDir(u.file) })) }, null, 2)}\n`);
      return report.findings.length > 0 ? 1 : 0;
    }
    for (const u of report.unparsed) io.stderr(`reeltape audit: ${withDir(u.file)} is not a valid cassette (${u.reason.split('\n')[0]}); scanned it as raw text.\n`);
    for (const f of report.findings) io.stdout(line({ ...f, file: withDir(f.file) }));
    const allowedNote = report.allowed > 0 ? `, ${report.allowed} silenced by the allow-list` : '';
    if (report.findings.length === 0) {
      io.stdout(`reeltape audit: no secrets found in ${report.files.length} file(s) under ${shownDir}${allowedNote}.\n`);
      return 0;
    }
    const files = new Set(report.findings.map((f) => f.file)).size;
    io.stdout(
      `\nreeltape audit: ${report.findings.length} possible secret(s) in ${files} file(s) under ${shownDir}${allowedNote}.\n` +
        'Fix: rotate any real credential, then redact it (defaultSanitizer({ extraHeaders, extraParams, extraFields }), bodyFieldSanitizer, regexSanitizer, configSecretsSanitizer) and re-record.\n' +
        `A reviewed false positive can be silenced in ${DEFAULT_ALLOW_FILE}: [{ "file": "…", "path": "…", "rule": "…", "sha256": "…" }] (see --json for full hashes).\n`,
    );
    return 1;
  },
};
