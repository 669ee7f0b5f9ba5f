import { forTerminal } from '../report/neutralize.js';
import { main } from './main.js';

// stdout may be a closed pipe (`runnerguard audit | head`): exit quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`runnerguard: internal error: ${forTerminal(err)}\n`);
    process.exitCode = 3;
  },
);
