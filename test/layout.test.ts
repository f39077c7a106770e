// The layout of DESIGN.md, enforced: which area may import which, and only through its index.ts.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  gen: [],
  identity: [],
  policy: ['identity'],
  providers: ['core'],
  leases: ['core'],
  audit: ['core'],
  tasks: ['core'],
  revocation: ['core', 'leases', 'providers'],
  service: ['core', 'identity', 'policy', 'leases', 'revocation', 'providers', 'audit', 'tasks'],
  api: ['core', 'gen', 'identity', 'leases', 'service', 'audit'],
  config: ['core'],
  client: ['gen', 'identity'],
  cli: ['core', 'config', 'client', 'audit', 'identity', 'policy', 'gen', 'main'],
  main: ['*'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function areaOf(file: string): string {
  const rel = relative(SRC, file);
  return rel.includes('/') ? rel.split('/')[0]! : rel.replace(/\.(ts|js)$/, '');
}

const IMPORT_RE = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g;

describe('layout', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const from = areaOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const target = normalize(join(dirname(file), m[1]!));
      const to = areaOf(target);
      if (to === from) continue;
      const rel = relative(SRC, file);
      const allowed = ALLOWED[from] ?? [];
      if (!allowed.includes('*') && !allowed.includes(to)) violations.push(`${rel}: area ${from} may not import ${to}`);
      const inside = relative(join(SRC, to), target);
      if (to !== 'gen' && to !== 'main' && inside !== 'index.js') violations.push(`${rel}: imports ${to}/${inside} instead of ${to}/index.js`);
    }
  }

  it('every area imports only what DESIGN.md allows, through index.ts', () => {
    expect(violations).toEqual([]);
  });
});
