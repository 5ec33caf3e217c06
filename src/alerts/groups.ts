/** Every rule group, in the order the rules file and the runbook list them. */
import type { RuleGroup } from './model.ts';
import { AGENT_GROUP } from './rules/agent.ts';
import { MAC_GROUP } from './rules/mac.ts';
import { PENDING_GROUP } from './rules/pending.ts';

export const GROUPS: readonly RuleGroup[] = [AGENT_GROUP, MAC_GROUP, PENDING_GROUP].filter((g) => g.rules.length > 0);
