/*
 * Preloaded (NODE_OPTIONS=--require) into the synth child process that
 * infra/synth/synthesize.ts spawns, ONLY by the drill. It answers the
 * program's deploy-time EC2 data-source invokes (aws:ec2/getInstances,
 * aws:ec2/getInstance) from the fleet the drill seeded in moto (JSON in
 * RECOVERY_DRILL_FLEET), exactly as `pulumi up` would resolve them against a
 * real account; every other call goes to the project's own mocks
 * (infra/synth/mocks.ts) unchanged.
 *
 * Why a preload: SynthOptions.mocks only sizes the synthetic fleet and cannot
 * carry invoke answers; see the drill's README section / report. Plain JS:
 * it runs before tsx is registered.
 */
'use strict';
const Module = require('node:module');
const path = require('node:path');

const fleet = JSON.parse(process.env.RECOVERY_DRILL_FLEET || '{"instances":[]}');
const origLoad = Module._load;

function answer(token, inputs) {
  if (token === 'aws:ec2/getInstances:getInstances') {
    const want = inputs.instanceTags || {};
    const states = inputs.instanceStateNames || ['pending', 'running', 'stopping', 'stopped'];
    const ids = fleet.instances
      .filter((i) => states.includes(i.state) && Object.entries(want).every(([k, v]) => i.tags[k] === v))
      .map((i) => i.id);
    return { id: 'drill', ids, privateIps: ids.map(() => '10.0.0.10'), publicIps: [], ipv6Addresses: [], instanceTags: want };
  }
  if (token === 'aws:ec2/getInstance:getInstance') {
    const i = fleet.instances.find((x) => x.id === inputs.instanceId);
    if (!i) return undefined;
    return {
      id: i.id,
      instanceId: i.id,
      instanceType: i.instanceType,
      availabilityZone: i.availabilityZone,
      rootBlockDevices: i.rootBlockDevices,
      ebsBlockDevices: i.ebsBlockDevices,
      tags: i.tags,
    };
  }
  return undefined;
}

Module._load = function drillLoad(request, parent, isMain) {
  const loaded = origLoad.apply(this, arguments);
  let file = '';
  try {
    file = Module._resolveFilename(request, parent, isMain);
  } catch {
    return loaded;
  }
  if (!file.endsWith(path.join('infra', 'synth', 'mocks.ts')) || typeof loaded.createMocks !== 'function') return loaded;
  return new Proxy(loaded, {
    get(target, key) {
      if (key !== 'createMocks') return target[key];
      return (opts) => {
        const mocks = target.createMocks(opts);
        const call = mocks.call;
        return { ...mocks, call: (args) => answer(args.token, args.inputs || {}) || call(args) };
      };
    },
  });
};
