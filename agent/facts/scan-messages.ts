import type { WalkFrom } from '../util/walk.js';
import type { ScanUnit, TreeScanResult } from './tree-scan.js';

/**
 * A part of a builds dir handed to a scan worker: the scan's handle of it,
 * and what the layout knows of it (a job dir, or a group whose listing
 * decides the rest).
 */
export interface UnitMessage {
  type: 'unit';
  id: number;
  from: WalkFrom;
  /** The runner dir's target path (what paths are shown below). */
  base: string;
  cutoffMs: number;
  unit: ScanUnit;
}

/** What a worker found in one part; `error` when it could not walk it at all. */
export type UnitDone = { type: 'done'; id: number; result: TreeScanResult } | { type: 'done'; id: number; error: string };
