import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Bundle size depends on how functions/ imports zod. Classic zod (`'zod'`)
 * gives every schema every method, and through them most of zod (~85 KB per
 * Lambda bundle, whatever the schemas use); zod/mini's functions tree-shake.
 * `import { z } from ...` binds the namespace object, which esbuild keeps
 * whole; `import * as z from 'zod/mini'` does not. Type-only imports emit
 * nothing and are fine.
 */
const ROOT = path.resolve(__dirname, '../../functions');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

describe('zod imports in functions/', () => {
  it('use zod/mini in the namespace form, so bundles tree-shake zod', () => {
    // Prepare
    const files = sources(ROOT);
    // Act
    const offenders = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${path.relative(ROOT, f)}:${i + 1}` }))
        .filter(({ line }) => /^import\s+(?!type\b).*\bfrom\s+'zod(\/[^']*)?'/.test(line) && !/^import \* as z from 'zod\/mini';/.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    // Assess
    expect(files.length).toBeGreaterThan(20);
    expect(offenders).toEqual([]);
  });
});
