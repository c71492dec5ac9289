import type { ServiceImpl } from '@connectrpc/connect';
import type { SettingsService } from './gen/settings/v1/setting_pb.js';

/**
 * settingsService implements settings.v1.SettingsService/Get, which Grafana and Pyroscope's UI
 * read for per-tenant UI preferences. autoprof keeps none, so the list is empty.
 */
export function settingsService(): ServiceImpl<typeof SettingsService> {
  return {
    async get() {
      return { settings: [] };
    },
  };
}
