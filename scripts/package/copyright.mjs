// The machine-readable (DEP-5) copyright file: runnerguard itself plus every
// npm package esbuild put into the bundle (from its metafile), each with the
// license its package.json declares and the text of its LICENSE file.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

function bundledPackages(metafile) {
  const dirs = new Map();
  for (const input of Object.keys(JSON.parse(readFileSync(metafile, 'utf8')).inputs)) {
    const m = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
    if (m) dirs.set(m[2], m[1]);
  }
  return [...dirs].sort(([a], [b]) => a.localeCompare(b)).map(([name, dir]) => ({ name, dir }));
}

function licenseText(dir) {
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.md|\.txt)?$/i.test(f));
  return file ? readFileSync(path.join(dir, file), 'utf8').trim() : null;
}

/** A DEP-5 "License:" body: each line indented, blank lines as " .". */
const indent = (text) => text.split('\n').map((l) => (l.trim() ? ` ${l.trimEnd()}` : ' .')).join('\n');

function copyrightLine(text, author) {
  const line = text?.split('\n').find((l) => /copyright/i.test(l) && !/^\s*(permission|the above)/i.test(l));
  return (line ?? `${author ?? 'the authors'}`).replace(/^\s*(copyright\s*(\(c\)|©)?\s*)/i, '').trim() || 'the authors';
}

export function copyrightFile(repo, metafile) {
  const own = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
  const out = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: runnerguard',
    'Source: https://github.com/runnerguard/runnerguard',
    'Comment: /usr/lib/runnerguard/runnerguard.mjs and runnerguard-daemon.mjs are',
    ' esbuild bundles of runnerguard and the npm packages listed below, at the',
    ' versions of its lock file.',
    '',
    'Files: *',
    'Copyright: 2026 the runnerguard authors',
    `License: ${own.license}`,
  ];
  const texts = new Map();
  for (const { name, dir } of bundledPackages(metafile)) {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const license = String(pkg.license ?? 'UNKNOWN').replace(/^\((.*)\)$/, '$1');
    // Debian ships the Apache 2.0 text: lintian refuses a copy (copyright-file-contains-full-apache-2-license).
    const text = license === 'Apache-2.0' ? `Licensed under the Apache License, Version 2.0.\n\nOn Debian systems the full text is in /usr/share/common-licenses/Apache-2.0.` : licenseText(dir);
    const author = typeof pkg.author === 'string' ? pkg.author : pkg.author?.name;
    const notice = license === 'Apache-2.0' ? null : text;
    // Same license, different copyright holders: each package keeps its own text.
    const key = `${license}~${name}`.replace(/[^A-Za-z0-9.+~-]/g, '-');
    out.push('', `Files: node_modules/${name}/*`, `Copyright: ${copyrightLine(notice, author)}`, `License: ${key}`);
    texts.set(key, text ?? `${license}, as declared by ${name} ${pkg.version} (no license file in the package).`);
  }
  out.push('', `License: ${own.license}`);
  if (own.license === 'Apache-2.0') {
    out.push(' Licensed under the Apache License, Version 2.0; you may not use this', ' file except in compliance with the License.', ' .', ' On Debian systems the full text of the Apache License 2.0 is in', ' /usr/share/common-licenses/Apache-2.0.');
  }
  for (const [key, text] of texts) out.push('', `License: ${key}`, indent(text));
  return out.join('\n') + '\n';
}
