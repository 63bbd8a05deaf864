import type { Learner, SampleOutput, SampleParams } from '../policy/learner.js';
import type { RolloutPolicy, RolloutRequest } from './policy.js';

/** A local learner as a rollout policy: one batched `sample` call for all requests. */
export function localRolloutPolicy(learner: Learner): RolloutPolicy {
  return {
    sample(requests: readonly RolloutRequest[], params: SampleParams): Promise<SampleOutput[]> {
      return learner.sample(
        requests.map((r) => r.prompt),
        params,
      );
    },
  };
}
