import { defineCheck, verdict } from '../../agent/engine/define-check.js';
import { sshdFact, SSHD_BINARY, type SshdState } from '../../agent/facts/sshd.js';
import { SSHD_CONFIG, type Directive } from '../../agent/facts/sshd-config.js';
import { cisDebian, REF, SSH_REF } from '../references.js';

export const KEYWORD_NAMES = { permitrootlogin: 'PermitRootLogin', passwordauthentication: 'PasswordAuthentication', authorizedkeysfile: 'AuthorizedKeysFile' } as const;

// Values come last on each line: text such as "password (" or "password:" is masked by the redactor.
export function sshdEvidence(s: SshdState, keys: Array<keyof typeof KEYWORD_NAMES>): string[] {
  const lines = keys.map((k) => `${s.settings[k].origin}: ${KEYWORD_NAMES[k]} ${s.settings[k].value.join(' ')}`);
  lines.push(`source: ${s.source}`);
  if (s.fallback) lines.push(s.fallback);
  return lines;
}

function inactiveEvidence(d: Directive): string {
  return `${d.match ?? 'Match'} applies only to matching connections, not the global value: ${KEYWORD_NAMES[d.keyword]} ${d.args.join(' ')}`;
}

export default defineCheck({
  meta: {
    id: 'RG-SSH-003',
    title: 'sshd forbids root and password logins',
    severity: 'medium',
    area: 'ssh',
    rationale:
      'A runner host holds runner tokens, caches and other projects\' code. Passwords can be guessed or reused from a leak; a root login skips every per-user boundary and leaves no trace of who logged in. Keys and a personal account (then sudo) close both doors.',
    references: [REF.glSecureHost, REF.guideChecklistHost, REF.glNetworkSegmentation, cisDebian('5.1.20', 'Ensure sshd PermitRootLogin is disabled'), SSH_REF.sshdConfig],
    reads: [`${SSHD_CONFIG} and the files it Includes (first value wins, Match blocks apart)`, `${SSHD_BINARY} -T on a live host (effective settings)`],
    remediation: {
      summary: 'Set "PermitRootLogin no" and "PasswordAuthentication no" before any Include or Match in sshd_config (or in the first drop-in of sshd_config.d), check with sshd -t, reload sshd.',
      automated: 'RG-SSH-003',
    },
  },
  async run(ctx) {
    const s = await ctx.facts.get(sshdFact);
    if (!s.installed) return [verdict.skip('sshd', `sshd is not installed (no ${SSHD_BINARY}, no ${SSHD_CONFIG})`)];
    if (s.error) return [verdict.error(SSHD_CONFIG, `the sshd config cannot be evaluated (sshd would not start with it either): ${s.error}`)];
    const root = s.settings.permitrootlogin.value[0] ?? '';
    const passwords = s.settings.passwordauthentication.value[0] ?? '';
    const evidence = [...sshdEvidence(s, ['permitrootlogin', 'passwordauthentication']), ...s.inactive.filter((d) => d.keyword !== 'authorizedkeysfile').map(inactiveEvidence)];
    const problems: string[] = [];
    if (root === 'yes') problems.push('root can log in with passwords or keys (PermitRootLogin yes)');
    else if (root !== 'no' && root !== 'prohibit-password') problems.push(`root can log in (PermitRootLogin ${root})`);
    if (passwords !== 'no') problems.push(`every account with passwords set can log in with them (PasswordAuthentication ${passwords})`);
    if (problems.length) return [verdict.fail(SSHD_CONFIG, `sshd accepts risky logins: ${problems.join('; ')}`, evidence)];
    if (root === 'prohibit-password') {
      return [
        verdict.warn(SSHD_CONFIG, 'root can still log in over SSH with a key (PermitRootLogin prohibit-password); acceptable only where root keys are managed centrally, otherwise set it to no', evidence),
      ];
    }
    return [verdict.pass(SSHD_CONFIG, 'no root logins, no passwords (PermitRootLogin no, PasswordAuthentication no)', evidence)];
  },
});
