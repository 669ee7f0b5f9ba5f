#!/usr/bin/env node
// Extracts every config.toml example holding a [[runners]] entry from a
// gitlab-runner checkout's docs into test/fixtures/gitlab-docs-corpus/, one
// file each, named after its page and position: ```toml blocks, and the
// `config: |` TOML of the Helm chart values in ```yaml blocks. A block that
// elides settings with a `...` or `(...)` line is kept with those lines
// dropped (a "-elided" name): what remains is still the docs' own settings.
// Blocks that still do not parse (templates, prose in them) are listed in
// SOURCES.tsv as skipped, with the parser's reason. Usage: node scripts/extract-gitlab-docs-corpus.mjs <gitlab-runner git dir> [commit]
// Reads through `git show`, so a bare mirror works. Re-run to refresh; the
// README records the commit.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import TOML from '@iarna/toml';

const [gitDir, commit = 'HEAD'] = process.argv.slice(2);
if (!gitDir) throw new Error('usage: extract-gitlab-docs-corpus.mjs <git dir> [commit]');
const git = (...args) => execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
const sha = git('rev-parse', commit).trim();
const out = path.resolve('test/fixtures/gitlab-docs-corpus');
mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) if (f.endsWith('.toml')) rmSync(path.join(out, f));

const pages = git('ls-tree', '-r', '--name-only', sha, 'docs').split('\n').filter((p) => p.endsWith('.md'));
const index = [];
const skipped = [];

/** The TOML of each `config: |` block scalar of a Helm values file. */
function helmConfigs(body) {
  const found = [];
  for (let i = 0; i < body.length; i++) {
    const m = /^(\s*)config:\s*\|[-+]?\s*$/.exec(body[i]);
    if (!m) continue;
    const block = [];
    let j = i + 1;
    for (; j < body.length && (body[j].trim() === '' || body[j].search(/\S/) > m[1].length); j++) block.push(body[j]);
    const cut = Math.min(...block.filter((l) => l.trim()).map((l) => l.search(/\S/)));
    found.push(block.map((l) => l.slice(cut)));
    i = j - 1;
  }
  return found;
}
for (const page of pages) {
  const lines = git('show', `${sha}:${page}`).split('\n');
  let n = 0;
  for (let i = 0; i < lines.length; i++) {
    // Fences may be indented (inside list items); the block keeps that indent.
    const open = /^(\s*)```(toml|yaml)\s*$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, lang] = open;
    const body = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]); j++) body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
    n++;
    const texts = lang === 'toml' ? [body] : helmConfigs(body);
    texts.forEach((b, k) => {
      const text = b.join('\n') + '\n';
      if (!/^\s*\[\[runners\]\]/m.test(text)) return;
      const elision = /^\s*\(?\.\.\.\)?\s*$/;
      const elided = b.some((l) => elision.test(l));
      const kept = elided ? b.filter((l) => !elision.test(l)).join('\n') + '\n' : text;
      const base = `${page.replace(/^docs\//, '').replace(/\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-')}-${String(n).padStart(2, '0')}${texts.length > 1 ? `-${k + 1}` : ''}${lang === 'yaml' ? '-helm' : ''}${elided ? '-elided' : ''}.toml`;
      const where = `${page}:${i + 2}`;
      try {
        TOML.parse(kept);
      } catch (err) {
        skipped.push(`${base}\t${where}\tskipped: ${String(err.message).split('\n')[0]}`);
        return;
      }
      writeFileSync(path.join(out, base), kept);
      index.push(`${base}\t${where}`);
    });
    i = j;
  }
}
writeFileSync(path.join(out, 'SOURCES.tsv'), `# file\tsource (docs page:first line of the block) at gitlab-runner ${sha}\n${index.join('\n')}\n${skipped.join('\n')}\n`);
console.log(`${index.length} examples (${index.filter((l) => l.includes('-elided')).length} elided), ${skipped.length} skipped, from ${sha}`);

// The config keys gitlab-runner reads, as TOML paths with their Go types,
// from the toml struct tags of these files (facts, not code: CONFIG-KEYS.tsv).
// `runners.docker.cap_add []string`; a table array's path ends in [] and its
// elements' keys follow it (runners[].docker.services[].name).
const GO_FILES = ['common/config.go', 'cache/cacheconfig/cacheconfig.go', 'helpers/docker/credentials.go'];
const structs = new Map();
const aliases = new Map();
for (const f of GO_FILES) {
  let src;
  try {
    src = git('show', `${sha}:${f}`);
  } catch {
    continue;
  }
  const pkg = /^package (\w+)/m.exec(src)[1];
  let cur = null;
  for (const line of src.split('\n')) {
    // `type KubernetesHostAliasesFlag []KubernetesHostAliases`: a named slice of tables.
    const alias = /^type (\w+) (\[\]\*?\w+)\s*$/.exec(line);
    if (alias) aliases.set(`${pkg}.${alias[1]}`, alias[2]);
    const open = /^type (\w+) struct \{/.exec(line);
    if (open) {
      cur = [];
      structs.set(`${pkg}.${open[1]}`, cur);
      continue;
    }
    if (!cur) continue;
    if (/^\}/.test(line)) {
      cur = null;
      continue;
    }
    const field = /^\t(\w+)\s+([^\s`]+)\s*(?:`[^`]*toml:"([^"]*)"[^`]*`)?/.exec(line);
    const embedded = /^\t([\w.]+)\s*$/.exec(line);
    if (field) {
      const key = (field[3] ?? '').split(',')[0];
      if (key === '-') continue;
      cur.push({ name: field[1], type: field[2], key: key || field[1], pkg });
    } else if (embedded) cur.push({ embedded: embedded[1], pkg });
  }
}
const lookup = (type, pkg) => {
  const bare = type.replace(/^[*[\]]+/, '');
  return structs.get(bare.includes('.') ? bare : `${pkg}.${bare}`) ?? null;
};
const rows = [];
const visit = (fields, prefix, depth) => {
  if (depth > 8) return;
  for (const f of fields) {
    if (f.embedded) {
      const inner = lookup(f.embedded, f.pkg);
      if (inner) visit(inner, prefix, depth + 1);
      continue;
    }
    const type = aliases.get(`${f.pkg}.${f.type}`) ?? f.type;
    const arr = /^\[\]\*?/.test(type);
    const inner = lookup(type, f.pkg);
    const path = `${prefix}${f.key}${arr && inner ? '[]' : ''}`;
    rows.push(`${path}\t${inner ? (arr ? '[]table' : 'table') : type}`);
    if (inner) visit(inner, `${path}.`, depth + 1);
  }
};
visit(structs.get('common.Config'), '', 0);
writeFileSync(path.join(out, 'CONFIG-KEYS.tsv'), `# TOML path\tGo type, from the toml tags of ${GO_FILES.join(', ')} at gitlab-runner ${sha}\n${rows.join('\n')}\n`);
console.log(`${rows.length} config keys`);
