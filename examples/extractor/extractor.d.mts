/** Configuration of the example extractor (`#` keys are secrets). */
export interface ExtractorConfig {
  /** Bearer token for the API. */
  '#api_token': string;
  /** API base URL, e.g. `http://127.0.0.1:4010`. */
  baseUrl: string;
  /** Account to read. */
  account: string;
  /** Tables to write (default: the API tables, and `customers` when `databaseUrl` is set). */
  tables?: Array<'users' | 'orders' | 'events' | 'customers'>;
  /** PostgreSQL connection string for the `customers` table, e.g. `postgres://postgres@127.0.0.1:5410/postgres`. */
  databaseUrl?: string;
  /** Page size for paginated endpoints (1..100, default 50). */
  pageSize?: number;
  /** Incremental load: only rows changed at or after this ISO-8601 time. */
  since?: string;
  /** Incremental load relative to now (ignored when `since` is set). */
  lookbackDays?: number;
}

/** Columns of each output table. */
export declare const TABLES: Readonly<Record<'users' | 'orders' | 'events' | 'customers', readonly string[]>>;

/** Serializes rows as CSV with a header row. */
export declare function toCsv(columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): string;

/** Runs the extractor; resolves to the row count per written table. */
export declare function run(config: ExtractorConfig, options: { outDir: string }): Promise<{ tables: Record<string, number> }>;
