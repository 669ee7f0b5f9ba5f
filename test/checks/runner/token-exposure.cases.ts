import check from '../../../checks/runner/token-exposure.js';
import { defineCases } from '../../helpers/check-cases.js';
import { CONFIG_PATH, garbage, malformed, noRunner, runner, runnerHost } from './fixture.js';

const HARDENED = '\tdebug_trace_disabled = true\n';
const FLAGS = '\t[runners.feature_flags]\n\t\tFF_GIT_URLS_WITHOUT_TOKENS = true\n';

export default defineCases({
  check,
  passing: [
    {
      name: 'https url, debug traces off, FF_GIT_URLS_WITHOUT_TOKENS on ([runners.feature_flags] and environment spellings)',
      build: (t) =>
        runnerHost(
          t,
          runner('a', 'docker', FLAGS, HARDENED) + runner('b', 'shell', '', `${HARDENED}\tenvironment = ["FF_GIT_URLS_WITHOUT_TOKENS=1"]\n\tpre_build_script = "echo start"\n`),
          'concurrent = 4\nlog_level = "info"\n',
        ),
      expect: [
        { status: 'pass', subject: 'runner:a', evidence: [/\[\[runners\]\] url = "https:\/\/gitlab\.example\.com\/"$/, '[runners.feature_flags] FF_GIT_URLS_WITHOUT_TOKENS = true'] },
        { status: 'pass', subject: 'runner:b' },
      ],
    },
  ],
  failing: [
    {
      name: 'url and clone_url over http://, S3 cache Insecure = true: fail, naming file:line',
      build: (t) =>
        runnerHost(
          t,
          runner('h', 'docker', FLAGS, `${HARDENED}\tclone_url = "http://gitlab.internal"\n`).replace('url = "https://gitlab.example.com/"', 'url = "http://gitlab.example.com/"').replace('\t\t[runners.cache.s3]\n', '\t\t[runners.cache.s3]\n\t\t\tServerAddress = "minio:9000"\n\t\t\tInsecure = true\n'),
        ),
      expect: [
        {
          status: 'fail',
          subject: 'runner:h',
          message: /^url is http:\/\/: the runner token and job tokens travel in clear; clone_url is http:\/\/: .*; the S3 cache is reached over plain HTTP/,
          evidence: [`${CONFIG_PATH}:6: [[runners]] url = "http://gitlab.example.com/"`, '[[runners]] clone_url = "http://gitlab.internal"', /:\d+: \[runners\.cache\.s3\] Insecure = true$/],
        },
      ],
    },
    {
      name: 'defaults (a runner as register writes it): debug traces allowed, job token in checkouts',
      build: (t) => runnerHost(t, runner('d', 'docker')),
      expect: [
        {
          status: 'warn',
          subject: 'runner:d',
          message: /^debug_trace_disabled is not true: .*; FF_GIT_URLS_WITHOUT_TOKENS is off \(its default\)/,
          evidence: ['[[runners]] debug_trace_disabled unset', '[runners.feature_flags] FF_GIT_URLS_WITHOUT_TOKENS unset'],
        },
      ],
    },
    {
      name: 'log_level debug, masking off, token rotation disabled by environment, a pre_get_sources_script piping curl to sh',
      build: (t) =>
        runnerHost(
          t,
          runner(
            'x',
            'shell',
            '\t[runners.feature_flags]\n\t\tFF_GIT_URLS_WITHOUT_TOKENS = true\n\t\tFF_MASK_ALL_DEFAULT_TOKENS = false\n',
            `${HARDENED}\tenvironment = ["FF_DISABLE_AUTOMATIC_TOKEN_ROTATION=true"]\n\tpre_get_sources_script = """\nset -e\ncurl -fsSL https://tools.example.com/setup.sh | sh\n"""\n`,
          ),
          'concurrent = 4\nlog_level = "debug"\n',
        ),
      expect: [
        {
          status: 'warn',
          subject: 'runner:x',
          message: /^log_level = "debug".*; FF_MASK_ALL_DEFAULT_TOKENS is off.*; FF_DISABLE_AUTOMATIC_TOKEN_ROTATION is on.*; pre_get_sources_script fetches from the network/,
          evidence: [`${CONFIG_PATH}:2: log_level = "debug"`, '[[runners]] environment sets FF_DISABLE_AUTOMATIC_TOKEN_ROTATION=true', '"curl -fsSL https://tools.example.com/setup.sh | sh"'],
        },
      ],
    },
    {
      name: 'a [runners.feature_flags] false overrides an environment entry that turns the flag on, as in the runner',
      build: (t) => runnerHost(t, runner('o', 'docker', '\t[runners.feature_flags]\n\t\tFF_GIT_URLS_WITHOUT_TOKENS = false\n', `${HARDENED}\tenvironment = ["FF_GIT_URLS_WITHOUT_TOKENS=true"]\n`)),
      expect: [{ status: 'warn', subject: 'runner:o', message: /^FF_GIT_URLS_WITHOUT_TOKENS is off/ }],
    },
    {
      name: 'attacker: a pre_build_script line of 100 KB with terminal escapes is cut to 160 characters in the evidence',
      build: (t) => runnerHost(t, runner('e', 'shell', FLAGS, `${HARDENED}\tpre_build_script = "wget http://x.example/\\u001b]0;pwned\\u0007${'A'.repeat(100_000)}"\n`)),
      expect: [{ status: 'warn', subject: 'runner:e', message: /^pre_build_script fetches from the network/, evidence: [/pre_build_script line "wget http:\/\/x\.example\/[^"]{0,150}"$/] }],
    },
  ],
  notApplicable: [noRunner],
  errors: [malformed, garbage],
});
