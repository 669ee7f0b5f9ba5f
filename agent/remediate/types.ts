import type { CheckContext, Finding } from '../engine/types.js';

/**
 * What a remediation may do, as data (ESLint's fixers describe edits; the
 * engine applies them). Paths are target paths ("/etc/gitlab-runner/config.toml"):
 * under `--root DIR` they land inside DIR. Every step's before-state is
 * journaled by the engine, so each can be undone.
 */
export type Step =
  | { op: 'chmod'; path: string; mode: number }
  | { op: 'chown'; path: string; uid: number; gid: number }
  /** Creates or replaces a whole file (drop-ins, rules files of our own). */
  | { op: 'writeFile'; path: string; content: string; mode: number; uid: number; gid: number }
  /** Replaces the content of an existing file, keeping mode and owner; refused if it no longer holds `before`. */
  | { op: 'editFile'; path: string; before: string; after: string }
  /** Moves a file to <state_dir>/quarantine/<run-id>/ (root, 0700). */
  | { op: 'quarantine'; path: string; reason: string }
  /** gpasswd --delete (the target's /etc/group and /etc/gshadow). */
  | { op: 'groupRemove'; user: string; group: string }
  /** Loads a whole nftables table atomically (`nft -f`): live hosts only. */
  | { op: 'nftTable'; family: 'inet'; table: string; text: string }
  /** systemctl enable --now (live), or the *.wants link (offline). */
  | { op: 'serviceEnable'; unit: string; wantedBy: string }
  /** A command whose failure undoes this run's steps (`sshd -t`): live only, skipped offline. */
  | { op: 'validate'; argv: string[]; why: string }
  /** A command that makes a daemon pick up files (`augenrules --load`); run again after a rollback. */
  | { op: 'reload'; argv: string[]; why: string }
  /** Deletes a directory tree; refused if it changed since the plan. Not reversible: the plan lists it. */
  | { op: 'removeTree'; path: string; mtimeMs: number; bytes: number; reason: string };

export type StepOp = Step['op'];

export interface RemediationMeta {
  /** The check it fixes (remediations.md): the id users enable and name. */
  id: string;
  title: string;
  /** What may break, shown before anything happens ("jobs that use DinD will fail"). */
  impact: string;
  /** Whether applying restarts or reloads a service. */
  restartsService: boolean;
}

/** One subject's fix: the steps, in order. */
export interface Plan {
  remediation: string;
  subject: string;
  summary: string;
  steps: Step[];
}

/** A subject the remediation will not touch, and why (lockout guard, running job, no sshd...). */
export interface Refusal {
  remediation: string;
  subject: string;
  reason: string;
}

export interface PlanContext extends CheckContext {
  /** Where quarantine and journal live (on the target host). */
  stateDir: string;
}

export interface Remediation {
  meta: RemediationMeta;
  /**
   * Reads the host (never changes it) and returns what to do for the failing
   * findings of its check. No findings, or nothing left to change: no plans.
   */
  plan(ctx: PlanContext, findings: Finding[]): Promise<Array<Plan | Refusal>>;
}

export function isRefusal(p: Plan | Refusal): p is Refusal {
  return 'reason' in p;
}

export function defineRemediation(r: Remediation): Remediation {
  return r;
}
