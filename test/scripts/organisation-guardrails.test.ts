import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FUNCTIONS } from '../../functions/catalog';
import { requiredActionsPage } from '../../scripts/iam/required-actions';

/** docs/organisation-guardrails.md is what the declarations need, not a copy that drifts from them. */
describe('organisation guardrails page', () => {
  it('equals what scripts/iam/required-actions.ts generates from the declarations', () => {
    // Act
    const page = readFileSync(path.resolve(__dirname, '../../docs/organisation-guardrails.md'), 'utf8');
    // Assess
    expect(page).toBe(requiredActionsPage());
  });

  it('lists every action some function is granted', () => {
    // Prepare
    const page = requiredActionsPage();
    // Assess
    for (const f of FUNCTIONS) for (const p of f.permissions) for (const a of p.actions) expect(page).toContain(`\`${a}\``);
  });
});
