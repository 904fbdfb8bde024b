/* eslint-disable @typescript-eslint/no-explicit-any */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, type CollectionTag, type ScalarTag } from 'yaml';

/**
 * Assertions on template.yaml that cfn-lint cannot make: the security wiring of the gatekeeper.
 * The YAML is parsed with the CloudFormation short forms (!Ref, !GetAtt, ...) turned into their
 * long forms ({ Ref }, { 'Fn::GetAtt' }, ...).
 */

const INTRINSICS = ['Ref', 'GetAtt', 'Sub', 'If', 'Join', 'Select', 'Split', 'Not', 'Equals', 'And', 'Or', 'FindInMap', 'GetAZs', 'ImportValue', 'Base64', 'Cidr', 'Condition'];
const longForm = (name: string) => (name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`);
const customTags: (ScalarTag | CollectionTag)[] = INTRINSICS.flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => ({ [longForm(name)]: value }) } as ScalarTag,
  { tag: `!${name}`, collection: 'seq', resolve: (seq: any) => ({ [longForm(name)]: seq.toJSON() }) } as unknown as CollectionTag,
  { tag: `!${name}`, collection: 'map', resolve: (map: any) => ({ [longForm(name)]: map.toJSON() }) } as unknown as CollectionTag,
]);

const template = parse(readFileSync(new URL('../../template.yaml', import.meta.url), 'utf8'), { customTags }) as any;

function resource(name: string): any {
  const r = template.Resources?.[name];
  if (!r) throw new Error(`template.yaml has no resource ${name}`);
  return r;
}

function parameter(name: string): any {
  const p = template.Parameters?.[name];
  if (!p) throw new Error(`template.yaml has no parameter ${name}`);
  return p;
}

const resources = Object.entries(template.Resources as Record<string, any>);

describe('template.yaml: baseline', () => {
  it('retains every stateful resource and sets a retention on every log group', () => {
    const stateful = ['AWS::DynamoDB::Table', 'AWS::ElastiCache::ServerlessCache', 'AWS::Logs::LogGroup'];
    for (const [name, r] of resources.filter(([, r]) => stateful.includes(r.Type))) {
      expect(r.DeletionPolicy, name).toBe('Retain');
      expect(r.UpdateReplacePolicy, name).toBe('Retain');
      if (r.Type === 'AWS::Logs::LogGroup') expect(r.Properties.RetentionInDays, name).toBeDefined();
    }
  });

  it('grants no wildcard action and no wildcard resource', () => {
    for (const [name, r] of resources.filter(([, r]) => r.Type === 'AWS::Serverless::Function')) {
      for (const policy of r.Properties.Policies ?? []) {
        for (const statement of policy.Statement ?? []) {
          for (const action of [statement.Action].flat()) expect(String(action), name).not.toContain('*');
          expect(JSON.stringify(statement.Resource), name).not.toBe('"*"');
        }
      }
    }
  });

  it('configures the authorizer from parameters, never a hard-coded issuer', () => {
    const env = resource('AuthorizerFunction').Properties.Environment.Variables;
    expect(env).toMatchObject({ JWT_ISSUER: { Ref: 'JwtIssuer' }, JWT_AUDIENCE: { Ref: 'JwtAudience' }, ROUTE_PERMISSIONS: { Ref: 'RoutePermissions' } });
    expect(parameter('JwtIssuer').AllowedPattern).toBe('^https://[^\\s]+$');
    expect(parameter('AuthorizerCacheTtlSeconds').MaxValue).toBeLessThanOrEqual(3600);
  });

  it('alarms on authorizer errors, store errors and an unreachable JWKS', () => {
    for (const name of ['AuthorizerErrorAlarm', 'StoreErrorAlarm', 'KeysUnavailableAlarm']) expect(resource(name).Type).toBe('AWS::CloudWatch::Alarm');
  });
});

describe('HTTP API authorizer wiring', () => {
  const api = resource('HttpApi');
  const auth = api.Properties.Auth;
  const authorizer = auth.Authorizers[auth.DefaultAuthorizer];

  it('protects every route with the Lambda authorizer, payload 2.0, simple responses', () => {
    expect(auth.DefaultAuthorizer).toBe('GatekeeperAuthorizer');
    expect(authorizer).toMatchObject({ AuthorizerPayloadFormatVersion: '2.0', EnableSimpleResponses: true });
    expect(authorizer.FunctionArn).toEqual({ 'Fn::GetAtt': 'AuthorizerFunction.Arn' });
    for (const [name, event] of Object.entries(resource('BackendFunction').Properties.Events) as [string, any][]) {
      expect(event.Properties.Auth, name).toBeUndefined(); // no route opts out of the default authorizer
    }
  });

  it('lets API Gateway invoke the authorizer (EnableFunctionDefaultPermissions)', () => {
    // cfn-lint does not catch its absence; without it every request fails with 500.
    expect(authorizer.EnableFunctionDefaultPermissions).toBe(true);
  });

  it('caches decisions per token AND route', () => {
    expect(authorizer.Identity.Headers).toEqual(['Authorization']);
    expect(authorizer.Identity.Context).toContain('routeKey');
  });

  it('answers CORS with the configured origin, including on 401/403', () => {
    expect(api.Properties.CorsConfiguration.AllowOrigins).toEqual([{ Ref: 'AllowedOrigin' }]);
  });

  it('writes access logs without the Authorization header, and throttles', () => {
    expect(api.Properties.AccessLogSettings.Format).not.toMatch(/authorization/i);
    expect(api.Properties.DefaultRouteSettings.ThrottlingRateLimit).toBeGreaterThan(0);
  });

  it('has a ROUTE_PERMISSIONS entry for every route of the API', () => {
    const routes = JSON.parse(parameter('RoutePermissions').Default);
    for (const event of Object.values(resource('BackendFunction').Properties.Events) as any[]) {
      expect(routes, `${event.Properties.Method} ${event.Properties.Path}`).toHaveProperty([`${event.Properties.Method} ${event.Properties.Path}`]);
    }
  });
});

describe('DynamoDB permission store', () => {
  it('lets the authorizer only read, with BatchGetItem, on its own table', () => {
    const statements = resource('AuthorizerFunction').Properties.Policies.flatMap((p: any) => p.Statement);
    expect(statements).toEqual([
      { Sid: 'PermissionTableRead', Effect: 'Allow', Action: ['dynamodb:BatchGetItem'], Resource: { 'Fn::GetAtt': 'PermissionTable.Arn' } },
    ]);
  });

  it('expires records with TTL on expiresAt and encrypts the table', () => {
    const table = resource('PermissionTable').Properties;
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table.SSESpecification.SSEEnabled).toBe(true);
  });
});
