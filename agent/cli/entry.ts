import { quickAnswer } from './quick.js';

// stdout may be a closed pipe (`runnerguard audit | head`): exit quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

const argv = process.argv.slice(2);
const quick = quickAnswer(argv);
if (quick !== null) process.exitCode = quick;
// Everything else is loaded only now (esbuild initialises bundled modules on first import, and
// scripts/build.mjs makes Node's built-in modules load on first use too).
else void import('./main.js').then(({ main }) => main(argv)).then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    const { forTerminal } = await import('../report/neutralize.js');
    process.stderr.write(`runnerguard: internal error: ${forTerminal(err)}\n`);
    process.exitCode = 3;
  },
);
