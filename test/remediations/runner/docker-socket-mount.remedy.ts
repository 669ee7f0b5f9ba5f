import { expect } from 'vitest';
import { defineRemediationCases } from '../../helpers/remediation-cases.js';
import { DOCKER, editedLines, twoRunners } from './privileged.remedy.js';
import dockerSocketMount from '../../../remediations/runner/docker-socket-mount.js';

export default defineRemediationCases({
  remediation: dockerSocketMount,
  cases: [
    {
      name: '/run/docker.sock in a multi-line volumes array with a comment: only that line goes',
      build: (t) => twoRunners(t, DOCKER),
      plan: (p) => expect(editedLines(p)).toEqual(['-\t\t\t"/run/docker.sock:/var/run/docker.sock:rw",']),
    },
  ],
});
