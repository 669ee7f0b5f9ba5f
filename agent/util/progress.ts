/**
 * A single status line for long scans, shown only where someone is watching
 * (the CLI installs a sink when stderr is a TTY). Throttled so it costs
 * nothing on big trees.
 */
type Sink = (line: string) => void;

let sink: Sink | null = null;
let last = 0;

export function setProgressSink(s: Sink | null): void {
  sink = s;
}

export function progress(line: string): void {
  if (!sink) return;
  const now = Date.now();
  if (now - last < 200) return;
  last = now;
  sink(line);
}

export function progressDone(): void {
  if (sink) sink('');
}

/** A TTY sink: rewrites one line of stderr. */
export function ttySink(stream: NodeJS.WriteStream): Sink {
  return (line) => stream.write(`\r\u001b[2K${line.slice(0, (stream.columns ?? 80) - 1)}`);
}
