import { defineRemediation } from '../../agent/remediate/types.js';
import { planEgress } from './egress-plan.js';

/**
 * RG-NET-001 and RG-NET-002 build one nftables table, `inet runnerguard`
 * (egress-table.ts): RG-NET-002 alone holds only the metadata rejects,
 * RG-NET-001 adds the allow-list and the final reject. A rollback deletes
 * the table, or puts back the one loaded before.
 */
export const egressDefaultDeny = defineRemediation({
  meta: {
    id: 'RG-NET-001',
    title: 'Default-deny egress for the runner accounts and job containers (nftables table inet runnerguard)',
    impact:
      'jobs can reach only [egress] allow, the GitLab/GitHub URLs, the collector, DNS and loopback: downloads from anywhere else (package mirrors, registries, APIs not listed) fail; names are resolved when the table is planned, so a destination whose addresses change needs the next run; an Actions runner needs more GitHub hosts than its .runner names (list them in [egress] allow)',
    restartsService: false,
    touches: [{ op: 'nftTable' }, { op: 'writeFile', path: /\/egress\.nft$/ }],
  },
  plan: (ctx) => planEgress(ctx, 'RG-NET-001', ['egress', 'metadata']),
});

export const metadataBlocked = defineRemediation({
  meta: {
    id: 'RG-NET-002',
    title: 'Reject the cloud metadata endpoint for the runner accounts and job containers (nftables table inet runnerguard)',
    impact: 'jobs lose the instance role (169.254.169.254, fd00:ec2::254): a job that relied on the host\'s cloud credentials must get its own',
    restartsService: false,
    touches: [{ op: 'nftTable' }, { op: 'writeFile', path: /\/egress\.nft$/ }],
  },
  plan: (ctx) => planEgress(ctx, 'RG-NET-002', ['metadata']),
});

export default egressDefaultDeny;
