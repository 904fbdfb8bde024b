import { readFileSync } from 'node:fs';
import AjvDraft04 from 'ajv-draft-04';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { parseRecord } from '../../src/adapters/source.js';

/**
 * The HTTP front's request validation is done by API Gateway with the JSON schema model in
 * schemas/work-request.schema.json (the infrastructure code deploys that schema as the model).
 * These tests validate sample requests against it with a draft-4 validator (what API Gateway
 * implements) and check that the worker's parser agrees on every sample.
 */
const schema = JSON.parse(readFileSync(new URL('../../schemas/work-request.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const samples = JSON.parse(readFileSync(new URL('../../events/http-samples.json', import.meta.url), 'utf8')) as { valid: Record<string, unknown>; invalid: Record<string, unknown> };

// ajv-draft-04 is CommonJS: under NodeNext its class is the `default` property of the module.
const validate = new AjvDraft04.default({ allErrors: true }).compile(schema);
const toRecord = (body: unknown): SQSRecord => ({ messageId: 'm-1', body: JSON.stringify(body), attributes: { SentTimestamp: '1710237901000' } }) as unknown as SQSRecord;

describe('HTTP front: request validation (schemas/work-request.schema.json)', () => {
  it('is a JSON schema draft-4 object schema', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect(schema.type).toBe('object');
  });

  it.each(Object.entries(samples.valid))('accepts a valid request: %s (and so does the worker)', (_name, body) => {
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    const parsed = parseRecord(toRecord(body));
    expect(parsed.kind).toBe('items');
  });

  it.each(Object.entries(samples.invalid))('refuses an invalid request: %s (and so does the worker)', (_name, body) => {
    expect(validate(body)).toBe(false);
    expect(parseRecord(toRecord(body)).kind).toBe('invalid');
  });

  it('bounds the size: 50 fields of 1024 characters pass, a 51st field or a longer value does not', () => {
    const payload = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, 'x'.repeat(1024)]));
    const ok = { id: 'big-1', type: 'bulk', payload };
    expect(validate(ok)).toBe(true);
    expect(parseRecord(toRecord(ok)).kind).toBe('items');
    expect(JSON.stringify(ok).length).toBeLessThan(64 * 1024); // well under the SQS message limit
    for (const bad of [{ ...ok, payload: { ...payload, f50: 1 } }, { ...ok, payload: { ...payload, f0: 'x'.repeat(1025) } }]) {
      expect(validate(bad)).toBe(false);
      expect(parseRecord(toRecord(bad)).kind).toBe('invalid');
    }
  });

  it('derives the idempotency key from the client id, not from the SQS message id', () => {
    const body = samples.valid['full request'];
    const a = parseRecord({ ...toRecord(body), messageId: 'first' });
    const b = parseRecord({ ...toRecord(body), messageId: 'second' });
    expect(a).toEqual(b);
    expect(a.kind === 'items' && a.items[0]!.id).toBe('http:order-42');
  });
});

// ---- SAM: template.yaml carries the same schema as its WorkRequestModel and wires it to the POST method ----
// (CloudFormation cannot read a local file, so template.yaml holds a copy; this keeps both equal.)
import { parse, type ScalarTag, type CollectionTag } from 'yaml';

const INTRINSICS = ['Ref', 'Sub', 'GetAtt', 'If', 'Equals', 'Not', 'And', 'Or', 'Select', 'Split', 'Join', 'FindInMap', 'ImportValue', 'GetAZs', 'Base64', 'Condition', 'Cidr'];
const customTags = INTRINSICS.flatMap((name): (ScalarTag | CollectionTag)[] => [
  { tag: `!${name}`, resolve: (value: string) => ({ [`Fn::${name}`]: value }) },
  { tag: `!${name}`, collection: 'seq', resolve: (value) => ({ [`Fn::${name}`]: value }) },
  { tag: `!${name}`, collection: 'map', resolve: (value) => ({ [`Fn::${name}`]: value }) },
]);
const template = parse(readFileSync(new URL('../../template.yaml', import.meta.url), 'utf8'), { customTags }) as {
  Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
};
const model = template.Resources.WorkRequestModel!.Properties;
const method = template.Resources.PostWorkMethod!.Properties;

describe('HTTP front in template.yaml', () => {
  it('deploys schemas/work-request.schema.json as the application/json model, enforced on the POST method', () => {
    expect(model.ContentType).toBe('application/json');
    expect(model.Schema).toEqual(schema);
    expect(template.Resources.WorkRequestValidator!.Properties.ValidateRequestBody).toBe(true);
    expect(method.RequestModels['application/json']).toEqual({ 'Fn::Ref': 'WorkRequestModel' });
    expect(method.RequestValidatorId).toEqual({ 'Fn::Ref': 'WorkRequestValidator' });
  });

  it('queues the re-serialised body straight to SQS and answers 202 with the message id', () => {
    const integration = method.Integration;
    expect(integration.Type).toBe('AWS');
    expect(integration.PassthroughBehavior).toBe('NEVER');
    expect(integration.RequestTemplates['application/json']).toBe("Action=SendMessage&MessageBody=$util.urlEncode($input.json('$'))");
    const ok = integration.IntegrationResponses.find((r: { SelectionPattern?: string }) => !r.SelectionPattern);
    expect(ok.StatusCode).toBe('202');
    expect(ok.ResponseTemplates['application/json']).toContain('SendMessageResult.MessageId');
  });
});
