import { rulesV4 } from './fixture.js';

/** iptables-persistent: owner-match allow-list for the runner user, DOCKER-USER for job containers. */
export const V4_ALLOWLIST = rulesV4(`:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER-USER - [0:0]
-A OUTPUT -m owner --uid-owner gitlab-runner -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A OUTPUT -d 169.254.169.254/32 -m owner --uid-owner 998 -j REJECT --reject-with icmp-port-unreachable
-A OUTPUT -d 10.20.0.5/32 -p tcp -m owner --uid-owner gitlab-runner -m tcp --dport 443 -j ACCEPT
-A OUTPUT -p udp -m owner --uid-owner gitlab-runner -m udp --dport 53 -j ACCEPT
-A OUTPUT -m owner --uid-owner gitlab-runner -j REJECT --reject-with icmp-port-unreachable
-A DOCKER-USER -i docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN
-A DOCKER-USER -d 169.254.169.254/32 -i docker0 -j DROP
-A DOCKER-USER -d 10.20.0.5/32 -i docker0 -p tcp -m tcp --dport 443 -j RETURN
-A DOCKER-USER -i docker0 -j REJECT --reject-with icmp-port-unreachable
-A DOCKER-USER -j RETURN`);

/** The same policy for IPv6: everything the runner user opens is rejected. */
export const V6_DENY = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A OUTPUT -m owner --uid-owner gitlab-runner -j REJECT
COMMIT
`;

/** Debian's /etc/nftables.conf, plus a drop-in it includes with the runner's egress table. */
export const NFT_MAIN = `#!/usr/sbin/nft -f

flush ruleset

include "/etc/nftables.d/*.nft"

table inet filter {
\tchain input {
\t\ttype filter hook input priority filter;
\t}
\tchain forward {
\t\ttype filter hook forward priority filter;
\t}
\tchain output {
\t\ttype filter hook output priority filter;
\t}
}
`;

export const NFT_RUNNER = `# runner egress, loaded by /etc/nftables.conf
table inet runner_egress {
  set allowed4 { type ipv4_addr; elements = { 10.20.0.5, 10.20.0.6 } }
  chain out {
    type filter hook output priority 0; policy accept;
    meta skuid != "gitlab-runner" accept
    ct state established,related accept
    ip daddr 169.254.169.254 reject
    ip daddr @allowed4 tcp dport { 443, 22 } accept
    udp dport 53 accept
    counter reject with icmpx type admin-prohibited
  }
}
`;
