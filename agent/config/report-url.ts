/**
 * The rule for `[report] url`, shared by `config check` (which says so at
 * once, with file:line) and delivery (which refuses to connect): https, or
 * plain http only to a loopback address, where nothing on the wire can read
 * the token or the report.
 */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  // The whole address: `127.0.0.1.evil.example` is a name anyone can point anywhere. (URL has already
  // turned 2130706433 or 0x7f.1 into dotted form.)
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Why the URL cannot be used, or undefined when it can. */
export function reportUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) return 'plain http is refused except to loopback; use https';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'unsupported scheme';
  return undefined;
}
