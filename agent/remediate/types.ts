import type { CheckContext, Finding } from '../engine/types.js';
import type { Actor, Pin } from '../host/safe-path.js';

/**
 * What every step on an existing path may carry. `pin`: the target's identity
 * when planned (the engine records it); apply and rollback skip a target that
 * is no longer that inode. `actAs`: the location came from a file a job can
 * write, so it is acted on with that file owner's privileges, never as root.
 */
export interface Target {
  pin?: Pin;
  actAs?: Actor;
}

/**
 * What a remediation may do, as data (ESLint's fixers describe edits; the
 * engine applies them). Paths are target paths ("/etc/gitlab-runner/config.toml"):
 * under `--root DIR` they land inside DIR. Every step's before-state is
 * journaled by the engine, so each can be undone.
 */
export type Step =
  | ({ op: 'chmod'; path: string; mode: number } & Target)
  | ({ op: 'chown'; path: string; uid: number; gid: number } & Target)
  /**
   * Creates or replaces a whole file (drop-ins, rules files of our own).
   * `shownAs`: what the plan says instead of the file's diff, when another step of the plan already shows the content.
   * `secret`: the content is a credential: the journal and the apply result keep `shownAs` in its place (undo needs only the before-state).
   */
  | { op: 'writeFile'; path: string; content: string; mode: number; uid: number; gid: number; shownAs?: string; secret?: true }
  /**
   * Replaces the content of an existing file, keeping mode and owner; refused if it no longer holds `before`.
   * `redacted`: the texts to show instead when before/after hold secrets (plan, output and journal never see the real ones).
   * `skipIfGone`: a file that went meanwhile meets the step's purpose (a scrub of a job dir deleted earlier in the run).
   */
  | ({ op: 'editFile'; path: string; before: string; after: string; redacted?: { before: string; after: string }; skipIfGone?: true } & Target)
  /** Moves a file to <state_dir>/quarantine/<run-id>/ (root, 0700). */
  | ({ op: 'quarantine'; path: string; reason: string } & Target)
  /** gpasswd --delete (the target's /etc/group and /etc/gshadow, and the backups gpasswd rewrites). */
  | { op: 'groupRemove'; user: string; group: string }
  /** Loads a whole nftables table atomically (`nft -f`): live hosts only. */
  | { op: 'nftTable'; family: 'inet'; table: string; text: string }
  /** systemctl enable --now (live), or the *.wants link (offline). */
  | { op: 'serviceEnable'; unit: string; wantedBy: string }
  /** A command whose failure undoes this run's steps (`sshd -t`): live only, skipped offline. */
  | { op: 'validate'; argv: string[]; why: string }
  /**
   * A command that makes a daemon pick up files (`augenrules --load`). A rollback runs it again, or
   * the `undo` commands instead when given (delete exactly the rules it loaded), then puts back
   * `writes`, files the command rewrites itself (augenrules regenerates audit.rules), if unchanged since.
   */
  | { op: 'reload'; argv: string[]; why: string; undo?: string[][]; writes?: string[] }
  /**
   * Deletes a directory tree; skipped (that tree only) if it changed since the plan: its own mtime, the newest
   * mtime below it (`newestMs`, when given), a git lock file in it, or (live) a process using it. Not reversible: the plan lists it.
   */
  | ({ op: 'removeTree'; path: string; mtimeMs: number; newestMs?: number; bytes: number; reason: string } & Target);

export type StepOp = Step['op'];

/**
 * One kind of step a remediation may plan. A rollback acts on a journal
 * entry only when its remediation declares a touch that matches it (op, and
 * path, unit or command where given): a journal is data, never a script.
 */
export interface Touch {
  op: StepOp;
  path?: RegExp;
  /** serviceEnable: the unit. */
  unit?: RegExp;
  /** validate/reload: argv joined by spaces. */
  argv?: RegExp;
  /** reload: each undo command, joined by spaces. */
  undo?: RegExp;
  /** reload: each file the command rewrites. */
  writes?: RegExp;
}

/** A runner config: wherever it lives, a .toml file. */
export const TOML = /\.toml$/;
/** Where no stray key, credential file or job dir of a runner lives: the system's own trees. */
export const NOT_SYSTEM = /^\/(?!(etc|usr|boot|bin|sbin|lib|lib32|lib64|libx32|proc|sys|dev|run\/systemd|var\/lib\/dpkg)(\/|$))./;

export interface RemediationMeta {
  /** The check it fixes (remediations.md): the id users enable and name. */
  id: string;
  title: string;
  /** What may break, shown before anything happens ("jobs that use DinD will fail"). */
  impact: string;
  /** Whether applying restarts or reloads a service. */
  restartsService: boolean;
  /** Every kind of step it may plan (a rollback refuses journal entries outside these). */
  touches: Touch[];
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
  /**
   * nftables tables that remediations planned earlier in this run will load, by "family name"
   * (text): a later one plans on that, as file edits chain through the overlay.
   */
  nftPlanned?: ReadonlyMap<string, string>;
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

const DEFINED = new Map<string, RemediationMeta>();

/** Declares a remediation; its meta is what a rollback judges journal entries against (journal-check.ts). */
export function defineRemediation(r: Remediation): Remediation {
  DEFINED.set(r.meta.id, r.meta);
  return r;
}

/** The meta of a remediation this process defined. */
export function definedMeta(id: string): RemediationMeta | undefined {
  return DEFINED.get(id);
}
