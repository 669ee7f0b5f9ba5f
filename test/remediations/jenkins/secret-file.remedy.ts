import { lstatSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { renderPlans } from '../../../agent/remediate/render.js';
import secretFile, { dropInPath, secretPath } from '../../../remediations/jenkins/secret-file.js';
import { defineRemediationCases } from '../../helpers/remediation-cases.js';
import { agentUnit, jenkinsAgent, SECRET, UNIT, URL } from '../../checks/jenkins/fixture.js';

const FILE = secretPath(UNIT);
const DROP_IN = dropInPath(UNIT);
const modeOf = (p: string) => lstatSync(p).mode & 0o7777;
const inline = `/usr/bin/java -jar /var/lib/jenkins/agent.jar -url ${URL} -secret ${SECRET} -name build-1 -workDir /var/lib/jenkins/agent`;

export default defineRemediationCases({
  remediation: secretFile,
  cases: [
    {
      name: 'the node page command pasted into a 0644 unit: secret file 0600 jenkins, drop-in with -secret @file, unit 0600; the plan never shows the secret',
      build: (t) => jenkinsAgent(t, { noSecretFile: true, unit: agentUnit({ exec: inline }) }),
      plan: async (p, host) => {
        expect(p.refusals).toEqual([]);
        const text = await renderPlans(host, p.plans.length ? [p] : []);
        expect(text).not.toContain(SECRET);
        expect(text).toContain(`write ${FILE} (0600 1500:1500): the agent secret (64 characters, not shown), readable by jenkins only`);
        expect(text).toContain(`+ExecStart=/usr/bin/java -jar /var/lib/jenkins/agent.jar -url ${URL} -secret @${FILE} -name build-1 -workDir /var/lib/jenkins/agent`);
        expect(text).toContain(`chmod 0600 /etc/systemd/system/${UNIT}`);
        // Offline: no daemon-reload, and never a restart.
        expect(text).not.toMatch(/run: systemctl|restart \//);
        expect(p.plans[0]!.steps.map((s) => `${s.op} ${'path' in s ? s.path : ''}`)).toEqual([`writeFile ${FILE}`, `writeFile ${DROP_IN}`, `chmod /etc/systemd/system/${UNIT}`]);
      },
      applied: (t, result) => {
        const st = lstatSync(t.p(FILE));
        expect([st.mode & 0o7777, st.uid, st.gid, readFileSync(t.p(FILE), 'utf8')]).toEqual([0o600, 1500, 1500, `${SECRET}\n`]);
        expect(modeOf(t.p('/etc/jenkins-agent'))).toBe(0o755);
        expect(readFileSync(t.p(DROP_IN), 'utf8')).toContain(`[Service]\nExecStart=\nExecStart=/usr/bin/java -jar /var/lib/jenkins/agent.jar -url ${URL} -secret @${FILE} -name`);
        expect(readFileSync(t.p(DROP_IN), 'utf8')).not.toContain(SECRET);
        expect(modeOf(t.p(`/etc/systemd/system/${UNIT}`))).toBe(0o600);
        // The journal's step list (the before-state blobs aside) does not hold the secret either.
        expect(JSON.stringify(result)).not.toContain(SECRET);
      },
    },
    {
      name: 'secret in a 0644 /etc/default file as ${JENKINS_SECRET}: the variable becomes @file, the EnvironmentFile 0600 root',
      build: async (t) => {
        await jenkinsAgent(t, {
          noSecretFile: true,
          unit: agentUnit({ extra: 'EnvironmentFile=/etc/default/jenkins-agent\n', exec: '/usr/bin/java -jar /var/lib/jenkins/agent.jar -url ${JENKINS_URL} -secret ${JENKINS_SECRET} -name build-1 -workDir /var/lib/jenkins/agent' }),
        });
        await t.file('/etc/default/jenkins-agent', `JENKINS_URL=${URL}\nJENKINS_SECRET=${SECRET}\n`, { mode: 0o644 });
      },
      plan: (p) => {
        expect(p.plans[0]!.summary).toContain('(was ${JENKINS_SECRET})');
        expect(p.plans[0]!.steps.filter((s) => s.op === 'chmod')).toEqual([{ op: 'chmod', path: '/etc/default/jenkins-agent', mode: 0o600 }]);
      },
      applied: (t) => {
        expect(readFileSync(t.p(DROP_IN), 'utf8')).toContain(`ExecStart=/usr/bin/java -jar /var/lib/jenkins/agent.jar -url \${JENKINS_URL} -secret @${FILE} -name build-1`);
        const st = lstatSync(t.p('/etc/default/jenkins-agent'));
        expect([st.mode & 0o7777, st.uid]).toEqual([0o600, 0]);
        // The unit itself never held the secret: left as it was.
        expect(modeOf(t.p(`/etc/systemd/system/${UNIT}`))).toBe(0o644);
      },
    },
    {
      name: 'an agent running as root, its override.conf (systemctl edit) giving "-secret=<hex>" quoted: ours sorts after it and wins; the override goes 0600, the secret file root 0600',
      build: async (t) => {
        await jenkinsAgent(t, { noSecretFile: true, unit: agentUnit({ user: 'root' }) });
        await t.file(`/etc/systemd/system/${UNIT}.d/override.conf`, `[Service]\nExecStart=\nExecStart=/usr/bin/java -jar /var/lib/jenkins/agent.jar -url ${URL} "-secret=${SECRET}" -name build-1 -workDir /var/lib/jenkins/agent\n`);
      },
      plan: (p) => {
        expect(p.refusals).toEqual([]);
        expect(p.plans[0]!.steps[0]).toMatchObject({ op: 'writeFile', path: FILE, mode: 0o600, uid: 0, gid: 0 });
      },
      applied: (t) => {
        expect(readFileSync(t.p(DROP_IN), 'utf8')).toContain(`"-secret=@${FILE}"`);
        expect(modeOf(t.p(`/etc/systemd/system/${UNIT}.d/override.conf`))).toBe(0o600);
      },
    },
  ],
});
