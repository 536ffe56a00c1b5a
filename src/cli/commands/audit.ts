import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { auditCassettes, DEFAULT_ALLOW_FILE, findingPlace, toSarif, type AuditFinding } from '../../audit/index.js';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';

const USAGE = `Usage: reeltape audit [dir] [--config file.json]… [--allow file] [--json | --format text|json|sarif]

Scans every cassette (.json, and .har entry by entry) and side-file body under dir
(recursively; default: ./cassettes) for secrets that slipped through, with the rules the
default sanitizer redacts with: token shapes (GitHub, GitLab, AWS, Slack, Stripe, OpenAI,
Anthropic, Google, npm, Telegram, JWT, private keys…), values under credential names, random
values under key-like names, and the literal values of "#" keys in the given component configs
(raw, URL-encoded, base64, hex, JSON-escaped). A file that cannot be read or parsed is a
finding too (unreadable-file). Values are shown masked.

Exit codes: 0 no findings; 1 findings (secrets or unreadable files); 2 usage or configuration
error (no such directory, unreadable config or allow-list).

Options:
  --config <file>  a component config.json whose "#" secrets to look for (repeatable)
  --allow <file>   allow-list of reviewed findings (default: ./${DEFAULT_ALLOW_FILE} if present);
                   entries { "file"?, "path"?, "rule"?, "sha256"? }, each given field must match
  --json           same as --format json (includes each finding's sha256 for the allow-list)
  --format <f>     text (default), json, or sarif (SARIF 2.1.0, for code-scanning upload)
`;

function line(f: AuditFinding): string {
  const place = findingPlace(f);
  const where = place === '' ? '' : `${place}  `;
  if (f.reason !== undefined) return `${f.file}  ${f.rule}  ${f.reason}\n`;
  return `${f.file}  ${where}${f.path}  ${f.rule}  ${f.masked}  sha256:${f.sha256.slice(0, 12)}\n`;
}

/** `reeltape audit` — scan cassettes for leaked secrets; exits 1 on findings so it can gate CI. */
export const auditCommand: Command = {
  name: 'audit',
  summary: 'scan cassettes for leaked secrets (exit 1 on findings)',
  usage: USAGE,
  async run(argv, io) {
    const options = {
      config: { type: 'string', multiple: true },
      allow: { type: 'string' },
      json: { type: 'boolean', default: false },
      format: { type: 'string' },
    } as const;
    const { values, positionals } = parseCommandArgs('audit', argv, options, { max: 1, what: 'directory' }, USAGE);
    const format = values.format ?? (values.json ? 'json' : 'text');
    if (!['text', 'json', 'sarif'].includes(format) || (values.json && values.format !== undefined && values.format !== 'json')) {
      io.stderr(`reeltape audit: --format must be text, json or sarif (got ${values.format ?? ''}${values.json ? ' with --json' : ''}).\n\n${USAGE}`);
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
    const code = report.findings.length > 0 ? 1 : 0;

    if (format === 'sarif') {
      io.stdout(`${JSON.stringify(toSarif(report, shownDir), null, 2)}\n`);
      return code;
    }
    if (format === 'json') {
      io.stdout(`${JSON.stringify({ dir: shownDir, files: report.files.length, findings: report.findings.map((f) => ({ ...f, file: withDir(f.file) })), allowed: report.allowed }, null, 2)}\n`);
      return code;
    }
    for (const f of report.findings) io.stdout(line({ ...f, file: withDir(f.file) }));
    const allowedNote = report.allowed > 0 ? `, ${report.allowed} silenced by the allow-list` : '';
    if (code === 0) {
      io.stdout(`reeltape audit: no secrets found in ${report.files.length} file(s) under ${shownDir}${allowedNote}.\n`);
      return 0;
    }
    const files = new Set(report.findings.map((f) => f.file)).size;
    const unreadable = report.findings.filter((f) => f.reason !== undefined).length;
    io.stdout(
      `\nreeltape audit: ${report.findings.length - unreadable} possible secret(s)${unreadable > 0 ? ` and ${unreadable} file(s) that could not be fully audited` : ''} in ${files} file(s) under ${shownDir}${allowedNote}.\n` +
        'Fix: rotate any real credential, then redact it (defaultSanitizer({ extraHeaders, extraParams, extraFields, rules }), bodyFieldSanitizer, regexSanitizer, configSecretsSanitizer) and re-record.\n' +
        `A reviewed false positive can be silenced in ${DEFAULT_ALLOW_FILE}: [{ "file": "…", "path": "…", "rule": "…", "sha256": "…" }] (see --json for full hashes).\n`,
    );
    return 1;
  },
};
