/**
 * Environment that points the real Redis adapter at an address where nothing listens, so
 * handler tests exercise the store-outage policy. Each store layer provides this file.
 */
export const unreachableStoreEnv: Record<string, string> = {
  REDIS_URL: 'redis://127.0.0.1:9',
  REDIS_CLUSTER: 'false',
};
