import type { ProfileStore, ProfileWrite } from '../store/types.js';

/**
 * observeWrites returns the store with `write` reporting each durable batch to `onWrite`
 * (after it is durable, so a listener never sees data the store might still refuse). Every
 * other method is the store's own, bound to it.
 */
export function observeWrites(
  store: ProfileStore,
  onWrite: (tenant: string, profiles: readonly ProfileWrite[]) => void,
): ProfileStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'write')
        return async (tenant: string, profiles: readonly ProfileWrite[]) => {
          await target.write(tenant, profiles);
          onWrite(tenant, profiles);
        };
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
