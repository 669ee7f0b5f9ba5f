/** The agent's configuration, after validation and defaults. */
export interface WaiverConfig {
  check: string;
  subject?: string;
  reason: string;
  expires?: string; // YYYY-MM-DD
}

export interface AgentConfig {
  /** The file it came from; null when defaults were used. */
  path: string | null;
  agent: {
    state_dir: string;
    schedule: string;
    check_timeout_ms: number;
    /** How long a run waits for another one to finish before giving up. */
    lock_wait_ms: number;
    /** Daemon: how long SIGTERM waits for the current cycle before abandoning it (its report stays spooled). */
    stop_timeout_ms: number;
    /** Daemon: upper bound of the per-host tick offset (agent/daemon/jitter.ts); 0 turns it off. */
    tick_offset_max_ms: number;
    /** Threads the build-dir scan may use (1, the default: no worker thread; 0: one per CPU this process may use, at most 4). */
    scan_threads: number;
  };
  report: {
    url?: string;
    token_file?: string;
    ca_file?: string;
    cert_file?: string;
    key_file?: string;
    timeout_ms: number;
    connect_timeout_ms: number;
    gzip_min_bytes: number;
    spool_max_reports: number;
    spool_max_bytes: number;
    splay_max_ms: number;
    max_attempts: number;
    retry_base_ms: number;
    retry_max_ms: number;
    /** spool/rejected/ bounds: oldest dropped first. */
    rejected_max_reports: number;
    rejected_max_bytes: number;
    /** The body posted: the native report (one JSON document) or OCSF NDJSON. */
    format: ReportFormat;
    /** How token_file's token is sent: `Authorization: <scheme> <token>`. */
    auth_scheme: AuthScheme;
  };
  metrics: {
    textfile?: string;
    /** Statuses that get one series per finding; every status is counted in the aggregates anyway. */
    per_finding: string[];
    /** Spooled longer than this, a report makes RunnerguardDeliveryFailing fire (exported as a gauge for the rule). */
    spool_alert_age_ms: number;
  };
  gitlab: { config?: string };
  github: { runner_dirs: string[] };
  egress: { allow: string[] };
  remediations: { enable: string[] };
  checks: Record<string, Record<string, unknown>>;
  waivers: WaiverConfig[];
}

export const REPORT_FORMATS = ['json', 'ocsf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
/** Bearer (RFC 6750: Loki, Vector, Fluent Bit, most gateways), Splunk (HEC), ApiKey (Elastic). */
export const AUTH_SCHEMES = ['Bearer', 'Splunk', 'ApiKey'] as const;
export type AuthScheme = (typeof AUTH_SCHEMES)[number];

export type FieldType = 'string' | 'string[]' | 'integer' | 'boolean' | 'date';

export interface TableSchema {
  fields: Record<string, FieldType>;
  required?: string[];
}

/** Every key the config may hold; anything else is an error (a typo must not disable a check). */
export const SECTIONS: Record<string, TableSchema> = {
  agent: { fields: { state_dir: 'string', schedule: 'string', check_timeout_ms: 'integer', lock_wait_ms: 'integer', stop_timeout_ms: 'integer', tick_offset_max_ms: 'integer', scan_threads: 'integer' } },
  report: {
    fields: {
      url: 'string',
      token_file: 'string',
      ca_file: 'string',
      cert_file: 'string',
      key_file: 'string',
      timeout_ms: 'integer',
      connect_timeout_ms: 'integer',
      gzip_min_bytes: 'integer',
      spool_max_reports: 'integer',
      spool_max_bytes: 'integer',
      splay_max_ms: 'integer',
      max_attempts: 'integer',
      retry_base_ms: 'integer',
      retry_max_ms: 'integer',
      rejected_max_reports: 'integer',
      rejected_max_bytes: 'integer',
      format: 'string',
      auth_scheme: 'string',
    },
  },
  metrics: { fields: { textfile: 'string', per_finding: 'string[]', spool_alert_age_ms: 'integer' } },
  gitlab: { fields: { config: 'string' } },
  github: { fields: { runner_dirs: 'string[]' } },
  egress: { fields: { allow: 'string[]' } },
  remediations: { fields: { enable: 'string[]' } },
};

export const WAIVER_SCHEMA: TableSchema = {
  fields: { check: 'string', subject: 'string', reason: 'string', expires: 'date' },
  required: ['check', 'reason'],
};

/** `[agent] state_dir` by default: where the packages create it, and where their units look. */
export const DEFAULT_STATE_DIR = '/var/lib/runnerguard';

/** Per-finding series by default: what someone acts on. pass and skip are opt-in (they are most findings). */
export const DEFAULT_PER_FINDING = ['fail', 'warn', 'error'] as const;

export function defaultConfig(): AgentConfig {
  return {
    path: null,
    agent: { state_dir: DEFAULT_STATE_DIR, schedule: '*/30 * * * *', check_timeout_ms: 15_000, lock_wait_ms: 10_000, stop_timeout_ms: 10_000, tick_offset_max_ms: 300_000, scan_threads: 1 },
    report: {
      timeout_ms: 30_000,
      connect_timeout_ms: 10_000,
      gzip_min_bytes: 16 * 1024,
      spool_max_reports: 500,
      spool_max_bytes: 50 * 1024 * 1024,
      splay_max_ms: 60_000,
      max_attempts: 3,
      retry_base_ms: 2_000,
      retry_max_ms: 60_000,
      rejected_max_reports: 100,
      rejected_max_bytes: 10 * 1024 * 1024,
      format: 'json',
      auth_scheme: 'Bearer',
    },
    metrics: { per_finding: [...DEFAULT_PER_FINDING], spool_alert_age_ms: 2 * 3600 * 1000 },
    gitlab: {},
    github: { runner_dirs: [] },
    egress: { allow: [] },
    remediations: { enable: [] },
    checks: {},
    waivers: [],
  };
}
