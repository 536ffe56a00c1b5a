import { REELTAPE_VERSION } from '../session/version.js';
import type { AuditReport } from './audit-cassettes.js';
import { auditRuleDocs } from './rule-docs.js';
import { findingPlace, qualifiedPath } from './har-scan.js';

/** The SARIF 2.1.0 log type, as far as `reeltape audit` writes it. */
export interface SarifLog {
  readonly $schema: string;
  readonly version: '2.1.0';
  readonly runs: readonly unknown[];
}

/** A relative path as SARIF's `uri` needs it (an RFC 3986 URI reference): each segment percent-encoded (`lists users.json` → `lists%20users.json`). */
function toUriReference(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

/**
 * Turns an audit report into a SARIF 2.1.0 log (what code-scanning services ingest). Each finding
 * is a result with its rule, the file (relative to `baseDir`, or to the audited directory), the
 * line when known, the interaction and JSON path as a logical location, and the value's SHA-256 as
 * a partial fingerprint. No value is included, masked or not.
 *
 * @example
 * const sarif = toSarif(await auditCassettes('cassettes'), 'cassettes');
 * writeFileSync('audit.sarif', JSON.stringify(sarif));
 */
export function toSarif(report: AuditReport, baseDir = ''): SarifLog {
  const prefix = baseDir === '' || baseDir === '.' ? '' : `${baseDir.replace(/\/+$/, '')}/`;
  const rules = auditRuleDocs();
  const used = new Set(report.findings.map((f) => f.rule));
  for (const name of used) if (!rules.some((r) => r.name === name)) rules.push({ name, doc: `User rule ${name}.` });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'reeltape audit',
            version: REELTAPE_VERSION,
            rules: rules.map((r) => ({ id: r.name, name: r.name, shortDescription: { text: r.doc }, defaultConfiguration: { level: 'error' } })),
          },
        },
        results: report.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: rules.findIndex((r) => r.name === f.rule),
          level: 'error',
          message: {
            text:
              f.reason !== undefined
                ? `${prefix}${f.file} ${f.reason}`
                : `Possible secret (${f.rule}) ${f.interaction < 0 ? '' : `in ${findingPlace(f)} `}at ${f.path}: rotate it if real, then redact and re-record.`,
          },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: toUriReference(`${prefix}${f.file}`) }, region: { startLine: f.line ?? 1 } },
              logicalLocations: [{ fullyQualifiedName: qualifiedPath(f), kind: 'member' }],
            },
          ],
          partialFingerprints: { 'reeltapeValueSha256/v1': f.sha256 },
        })),
      },
    ],
  };
}
