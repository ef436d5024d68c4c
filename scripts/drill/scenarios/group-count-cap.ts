import { groupCapScenario } from './group-cap';

/**
 * maxConcurrentPerGroup binds: a group of 20, the smallest in which a 10%
 * percentage cap (prod's) allows 2 while a count cap of 1 allows 1. Only 3
 * members are protected (each one alarms and invokes); the rest just make up the
 * group's size, as tagged fleet members do.
 */
export const groupCountCap = groupCapScenario({ name: 'group-count-cap', cap: 'count', group: 'drill-cap-count', size: 20, targeted: 3 });
