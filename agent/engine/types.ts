import type { Host } from '../host/index.js';
import type { AgentConfig, FieldType } from '../config/schema.js';
import type { Facts } from '../facts/index.js';
import type { SecretRegistry } from './redact.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STATUSES = ['fail', 'error', 'warn', 'pass', 'skip'] as const;
export type Status = (typeof STATUSES)[number];

export type Area = 'runner' | 'github' | 'jenkins' | 'docker' | 'network' | 'ssh' | 'disk' | 'audit' | 'build' | 'host';

export interface CheckMeta {
  id: string;
  title: string;
  severity: Severity;
  area: Area;
  /** Why this matters on a runner host, in a sentence or three. */
  rationale: string;
  /** Seed document sections and CIS ids this check implements. */
  references: string[];
  /** Files and commands the check inspects (shown by `explain`). */
  reads: string[];
  remediation: {
    /** What to do by hand; every fail/warn finding carries it. */
    summary: string;
    /** Id of the automated remediation, when one exists (remediations.md). */
    automated?: string;
  };
  /**
   * The budget of a check that needs more than an ordinary one (a tree
   * walk), at the default `[agent] check_timeout_ms` (15 s); it scales with
   * that setting. Over it, the check is stopped and becomes an `error`.
   */
  timeoutMs?: number;
  /** Keys accepted in the config's `[checks.<ID>]` table. */
  options?: Record<string, FieldType>;
}

/** What a check reports; the engine adds id, title, severity and references. */
export interface FindingDraft {
  status: Status;
  subject: string;
  message: string;
  evidence?: string[];
  /** Overrides the check's default severity for this finding only. */
  severity?: Severity;
  /** The manual fix for this finding's state, when it differs from the check's remediation summary (an installed daemon is enabled, not installed again). */
  fix?: string;
  /** Size of the file the finding is about, summed in the aggregate when the finding is not listed. */
  bytes?: number;
  /** Set on an aggregate finding (subject `more:<kind>`): what it stands for; the engine writes its message. */
  overflow?: Overflow;
}

/** Findings counted but not listed (see agent/engine/cap.ts). */
export interface Overflow {
  count: number;
  bytes: number;
  statuses: Partial<Record<Status, number>>;
  /** Subjects of a few of them. */
  examples: string[];
}

export interface Waiver {
  reason: string;
  expires?: string;
}

export interface Finding {
  check: string;
  title: string;
  severity: Severity;
  status: Status;
  subject: string;
  message: string;
  evidence: string[];
  remediation: { id: string | null; automated: boolean; summary: string };
  references: string[];
  waived?: Waiver;
  waiverExpired?: Waiver;
}

export interface CheckContext {
  host: Host;
  facts: Facts;
  config: AgentConfig;
  /** The `[checks.<ID>]` table of the config, if any. */
  options: Record<string, unknown>;
  secrets: SecretRegistry;
  now: Date;
  /** Aborted when the check runs out of time: long work (a walk) stops on it. The engine always sets it. */
  signal?: AbortSignal;
}

export interface Check {
  meta: CheckMeta;
  run(ctx: CheckContext): Promise<FindingDraft[]>;
}

export interface Summary {
  total: number;
  pass: number;
  fail: number;
  warn: number;
  skip: number;
  error: number;
  score: number;
}

/**
 * One runner found on the host, for fleet questions ("which token is on two
 * hosts?"). `fingerprint`: first 12 hex of SHA-256 of the GitLab runner
 * token, or of `<gitHubUrl>#<agentId>` of an Actions runner's `.runner`;
 * absent when the runner has neither. Never the token itself.
 */
export interface RunnerRecord {
  kind: 'gitlab' | 'github';
  name: string;
  fingerprint?: string;
}

export interface Report {
  schema: 'runnerguard/report@1';
  id: string;
  agent: { name: 'runnerguard'; version: string };
  host: { hostname: string; machineId: string; os: string; kernel: string };
  target: { root: string; live: boolean };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /**
   * Wall time of each check by id, in ms, from its start to its verdicts.
   * Checks run concurrently and share facts, so these overlap and may sum
   * past durationMs. Optional: reports from before it was added lack it.
   */
  checkDurationsMs?: Record<string, number>;
  summary: Summary;
  findings: Finding[];
  /** The runners found (at most MAX_RUNNER_RECORDS). Optional: reports from before it was added lack it. */
  runners?: RunnerRecord[];
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}
