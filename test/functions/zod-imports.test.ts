import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Bundle size depends on how functions/ imports zod: `import { z } from 'zod'`
 * binds zod's namespace object, which esbuild keeps whole (~90 KB more per
 * Lambda bundle); `import * as z from 'zod'` lets it tree-shake. Type-only
 * imports emit nothing and are fine.
 */
const ROOT = path.resolve(__dirname, '../../functions');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

describe('zod imports in functions/', () => {
  it('use the namespace form, so bundles tree-shake zod', () => {
    // Prepare
    const files = sources(ROOT);
    // Act
    const offenders = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${path.relative(ROOT, f)}:${i + 1}` }))
        .filter(({ line }) => /^import\s+(?!type\b).*\bfrom\s+'zod'/.test(line) && !/^import \* as z from 'zod'/.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    // Assess
    expect(files.length).toBeGreaterThan(20);
    expect(offenders).toEqual([]);
  });
});
