import { groupCapScenario } from './group-cap';

/**
 * maxPercentPerGroup binds: a group of 3, in which a 50% percentage cap
 * (dev's) allows 1 while a count cap of 2 would allow 2. A stack whose count cap
 * is 1 (prod, staging) cannot show it: the cap is never below 1, so the
 * percentage can never be the tighter one there; run it on dev.
 */
export const groupPercentCap = groupCapScenario({ name: 'group-percent-cap', cap: 'percentage', group: 'drill-cap-percent', size: 3, targeted: 3 });
