/**
 * Environment that points the real DynamoDB adapter at an address where nothing listens, so
 * handler tests exercise the store-outage policy. Each store layer provides this file.
 */
export const unreachableStoreEnv: Record<string, string> = {
  TABLE_NAME: 'unit-test-table',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
};
