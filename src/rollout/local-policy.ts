import type { Learner, SampleOutput, SampleParams } from '../policy/learner.js';
import type { RolloutPolicy, RolloutRequest } from './policy.js';

/**
 * A local learner as a rollout policy: one batched `sample` call for all requests. Session keys go through to the
 * learner, which keeps each episode's KV cache between turns where it can (prefix reuse, `Learner.sample`).
 */
export function localRolloutPolicy(learner: Learner): RolloutPolicy {
  const policy: RolloutPolicy = {
    sample(requests: readonly RolloutRequest[], params: SampleParams): Promise<SampleOutput[]> {
      const sessions = requests.some((r) => r.session !== undefined) ? requests.map((r) => r.session) : undefined;
      return learner.sample(
        requests.map((r) => r.prompt),
        params,
        sessions,
      );
    },
  };
  if (learner.endSessions) policy.endSessions = (sessions) => learner.endSessions!(sessions);
  return policy;
}
