import type { Logger } from 'pino';
import { cronIntervalSeconds } from '../config/cron-interval.js';
import type { AgentConfig } from '../config/schema.js';
import { deliveryFigures } from '../delivery/health.js';
import { Spool } from '../delivery/spool.js';
import type { DeliveryFigures, MetricsOptions } from '../report/prometheus.js';

/**
 * What the textfile says besides the report, the same whichever command
 * writes it (audit --format prometheus, run, a daemon cycle). Delivery
 * figures that cannot be read under the trust rules are left out and
 * runnerguard_delivery_state_ok says 0: unknown never reads as healthy.
 */
export async function metricsOptions(config: AgentConfig, log?: Pick<Logger, 'warn'>): Promise<MetricsOptions> {
  const dir = config.agent.state_dir;
  let delivery: DeliveryFigures | null;
  try {
    delivery = await deliveryFigures(dir, () => new Spool(dir).droppedTotal());
  } catch (err) {
    delivery = null;
    log?.warn({ error: (err as Error).message }, 'delivery figures for the metrics could not be read');
  }
  return {
    perFinding: config.metrics.per_finding,
    auditIntervalSeconds: cronIntervalSeconds(config.agent.schedule),
    spoolAlertAgeSeconds: Math.round(config.metrics.spool_alert_age_ms / 1000),
    deliveryConfigured: Boolean(config.report.url),
    delivery,
  };
}
