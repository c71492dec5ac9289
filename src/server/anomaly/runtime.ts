import type { ProfileStore } from '../store/types.js';
import { type AnomalyConfig, type AnomalyConfigInput, resolveAnomalyConfig } from './config.js';
import { AnomalyJob } from './job.js';
import { Notifier } from './notify.js';
import { type AnomalyStateStore, openAnomalyStateStore } from './state-store.js';

/** AnomalyRuntime is the continuous analysis as the server holds it. */
export interface AnomalyRuntime {
  config: AnomalyConfig;
  store: ProfileStore;
  state: AnomalyStateStore;
  notifier: Notifier;
  job: AnomalyJob;
  close(): Promise<void>;
}

/** createAnomalyRuntime opens the state store and builds the job; the timer starts only when enabled. */
export async function createAnomalyRuntime(
  store: ProfileStore,
  input: AnomalyConfigInput = {},
  onError: (err: unknown) => void = () => undefined,
): Promise<AnomalyRuntime> {
  const config = resolveAnomalyConfig(input);
  const state = await openAnomalyStateStore(config.stateDir);
  const notifier = new Notifier(config.notifications);
  const job = new AnomalyJob(store, state, config, notifier);
  if (config.enabled) job.start(onError);
  return {
    config,
    store,
    state,
    notifier,
    job,
    async close() {
      await job.stop();
      await state.close();
    },
  };
}
