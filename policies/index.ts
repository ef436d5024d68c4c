import { PolicyPack } from '@pulumi/policy';
import { ALL_POLICIES } from './all';

new PolicyPack('recovery-stack', { policies: ALL_POLICIES });
