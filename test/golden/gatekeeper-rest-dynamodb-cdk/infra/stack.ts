// The whole stack: Gatekeeper · REST API · Amazon DynamoDB.
//
// No resource has a fixed name (CloudFormation derives them from the stack name), so two stacks
// fit in one account. Stateful resources are retained when the stack is deleted or replaces them.
import * as cdk from 'aws-cdk-lib/core';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';

import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';

export class ServiceStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props: cdk.StackProps = {}) {
    super(scope, id, {
      description:
        'Gatekeeper: every request to the ' +
        "REST API" +
        " passes a Lambda authorizer (JWT verified against the issuer's JWKS, route scopes, revocation list in " +
        "Amazon DynamoDB" +
        ') before the protected backend runs.',
      ...props,
    });

    // Shared by every layer: log retention of every log group, optional alarm notification.
    const logRetentionDays = new cdk.CfnParameter(this, 'LogRetentionDays', {
      type: 'Number',
      description: 'Retention in days of every log group of the stack (function logs and, where there is one, API access logs).',
      default: '30',
      allowedValues: ['1', '3', '5', '7', '14', '30', '60', '90', '120', '150', '180', '365', '400', '545', '731', '1096', '1827', '2192', '2557', '2922', '3288', '3653'],
    });
    const logRetention = logRetentionDays.valueAsNumber as logs.RetentionDays;
    const alarmActionArn = new cdk.CfnParameter(this, 'AlarmActionArn', {
      type: 'String',
      description: 'Optional SNS topic ARN notified by every alarm of this stack. Empty = no notification.',
      default: '',
    });
    const hasAlarmAction = new cdk.CfnCondition(this, 'HasAlarmAction', {
      expression: cdk.Fn.conditionNot(cdk.Fn.conditionEquals(alarmActionArn.valueAsString, '')),
    });

    // Parameters and conditions (declared before any resource so that every layer may use them).
    const jwtIssuer = new cdk.CfnParameter(this, 'JwtIssuer', {
      type: 'String',
      description: 'Expected iss of the access tokens (https). A Cognito user pool is https://cognito-idp.<region>.amazonaws.com/<user pool id>.',
      allowedPattern: '^https://[^\\s]+$',
      constraintDescription: 'must be an https URL',
    });
    const jwtAudience = new cdk.CfnParameter(this, 'JwtAudience', {
      type: 'String',
      description: 'Comma-separated accepted audiences (aud). For a Cognito user pool, the app client id(s).',
      allowedPattern: '^[^\\s]+$',
    });
    const jwtJwksUri = new cdk.CfnParameter(this, 'JwtJwksUri', {
      type: 'String',
      description: 'JWKS URI of the issuer. Empty = <JwtIssuer>/.well-known/jwks.json (right for Cognito and most OIDC issuers).',
      default: '',
      allowedPattern: '^(https://[^\\s]+)?$',
    });
    const jwtTokenUse = new cdk.CfnParameter(this, 'JwtTokenUse', {
      type: 'String',
      description: 'Which tokens are accepted. access (recommended) rejects ID tokens.',
      default: 'access',
      allowedValues: ['access', 'id'],
    });
    const routePermissions = new cdk.CfnParameter(this, 'RoutePermissions', {
      type: 'String',
      description: 'JSON object, route key → permissions the caller must ALL hold (token scopes or store grants). Routes not listed are denied.',
      default: '{"GET /orders":["orders:read"],"GET /orders/{id}":["orders:read"],"POST /orders":["orders:write"]}',
    });
    const allowedOrigin = new cdk.CfnParameter(this, 'AllowedOrigin', {
      type: 'String',
      description: "CORS origin of the browser app (or * for none in particular); also sent on API Gateway's own 401/403 answers.",
      default: '*',
      allowedPattern: '^(\\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)$',
      constraintDescription: '* or an origin such as https://app.example.com',
    });
    const authorizerCacheTtlSeconds = new cdk.CfnParameter(this, 'AuthorizerCacheTtlSeconds', {
      type: 'Number',
      description: 'How long API Gateway caches a decision per token AND route. Also the longest delay before a revocation takes effect. 0 disables caching.',
      default: 60,
      minValue: 0,
      maxValue: 3600,
    });
    const metricsNamespace = new cdk.CfnParameter(this, 'MetricsNamespace', {
      type: 'String',
      description: 'CloudWatch namespace of the authorizer metrics.',
      default: 'Gatekeeper',
      allowedPattern: '^[A-Za-z0-9_./#:-]{1,255}$',
    });

    // The gatekeeper's two functions, declared first: the trigger wires them into its API and the store
    // grants the authorizer its access. Same esbuild options as scripts/build.mjs (ESM, AWS SDK bundled).
    const bundling: nodejs.BundlingOptions = {
      format: nodejs.OutputFormat.ESM,
      target: 'node24',
      minify: true,
      sourceMap: true,
      sourcesContent: false,
      mainFields: ['module', 'main'],
      bundleAwsSDK: true,
      banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    };

    const authorizerLogGroup = new logs.LogGroup(this, 'AuthorizerLogGroup', {
      retention: logRetention,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });

    const authorizerFn = new nodejs.NodejsFunction(this, 'AuthorizerFunction', {
      entry: fileURLToPath(new URL('../src/handlers/authorizer.ts', import.meta.url)),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X, // nodejs24.x
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: cdk.Duration.seconds(5),
      description: 'Gatekeeper Lambda authorizer (JWT, route scopes, revocation list); denies by default.',
      logGroup: authorizerLogGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        JWT_ISSUER: jwtIssuer.valueAsString,
        JWT_AUDIENCE: jwtAudience.valueAsString,
        JWT_JWKS_URI: jwtJwksUri.valueAsString,
        JWT_TOKEN_USE: jwtTokenUse.valueAsString,
        ROUTE_PERMISSIONS: routePermissions.valueAsString,
        POWERTOOLS_SERVICE_NAME: cdk.Aws.STACK_NAME,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace.valueAsString,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling,
    });

    new cloudwatch.Alarm(this, 'AuthorizerErrorAlarm', {
      alarmDescription: 'The authorizer function is erroring or timing out (API Gateway answers 500; nobody gets in).',
      metric: authorizerFn.metricErrors({ statistic: cloudwatch.Stats.SUM, period: cdk.Duration.minutes(1) }),
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const backendLogGroup = new logs.LogGroup(this, 'BackendLogGroup', {
      retention: logRetention,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });

    const backendFn = new nodejs.NodejsFunction(this, 'BackendFunction', {
      entry: fileURLToPath(new URL('../src/handlers/backend.ts', import.meta.url)),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X, // nodejs24.x
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: cdk.Duration.seconds(10),
      description: "Sample protected backend; receives only the caller's subject and scopes from the authorizer.",
      logGroup: backendLogGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        ALLOWED_ORIGIN: allowedOrigin.valueAsString,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling,
    });

    new cloudwatch.Alarm(this, 'BackendErrorAlarm', {
      alarmDescription: 'The protected backend function is erroring or timing out.',
      metric: backendFn.metricErrors({ statistic: cloudwatch.Stats.SUM, period: cdk.Duration.minutes(1) }),
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const apiAccessLogGroup = new logs.LogGroup(this, 'ApiAccessLogGroup', {
      retention: logRetention,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });

    // REQUEST authorizer. Cache key = token + method + resource path: a decision is reused only for the
    // same route, for AuthorizerCacheTtlSeconds. CDK grants API Gateway lambda:InvokeFunction on it.
    const gatekeeperAuthorizer = new apigateway.RequestAuthorizer(this, 'GatekeeperAuthorizer', {
      authorizerName: 'GatekeeperAuthorizer',
      handler: authorizerFn,
      identitySources: [
        apigateway.IdentitySource.header('Authorization'),
        apigateway.IdentitySource.context('httpMethod'),
        apigateway.IdentitySource.context('resourcePath'),
      ],
      resultsCacheTtl: cdk.Duration.seconds(authorizerCacheTtlSeconds.valueAsNumber),
    });

    const allowOriginHeader = `'${allowedOrigin.valueAsString}'`;
    const restApi = new apigateway.RestApi(this, 'RestApi', {
      restApiName: cdk.Aws.STACK_NAME,
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      deployOptions: {
        stageName: 'api',
        // Never the Authorization header: only ids, route, status and the authorizer's outcome.
        // REST API access logs need the account's API Gateway CloudWatch role (see the README).
        accessLogDestination: new apigateway.LogGroupLogDestination(apiAccessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            resourcePath: '$context.resourcePath',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            authorizerStatus: '$context.authorizer.status',
            authorizerError: '$context.authorizer.error',
            principalId: '$context.authorizer.principalId',
          }),
        ),
        throttlingBurstLimit: 200,
        throttlingRateLimit: 100,
        metricsEnabled: true,
      },
      // Every method is protected, except the CORS preflight OPTIONS (browsers never send a token).
      defaultMethodOptions: { authorizer: gatekeeperAuthorizer, authorizationType: apigateway.AuthorizationType.CUSTOM },
      defaultCorsPreflightOptions: {
        allowOrigins: [allowedOrigin.valueAsString],
        allowHeaders: ['authorization', 'content-type'],
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        maxAge: cdk.Duration.seconds(600),
      },
    });

    // API Gateway's OWN answers (401 from the authorizer, 403 Deny, authorizer failures, throttling)
    // carry the CORS headers too, or browsers hide them from the app.
    restApi.addGatewayResponse('UnauthorizedResponse', {
      type: apigateway.ResponseType.UNAUTHORIZED,
      responseHeaders: { 'Access-Control-Allow-Origin': allowOriginHeader, 'WWW-Authenticate': "'Bearer'" },
    });
    restApi.addGatewayResponse('AccessDeniedResponse', {
      type: apigateway.ResponseType.ACCESS_DENIED,
      responseHeaders: { 'Access-Control-Allow-Origin': allowOriginHeader },
    });
    restApi.addGatewayResponse('Default4xxResponse', {
      type: apigateway.ResponseType.DEFAULT_4XX,
      responseHeaders: { 'Access-Control-Allow-Origin': allowOriginHeader },
    });
    restApi.addGatewayResponse('Default5xxResponse', {
      type: apigateway.ResponseType.DEFAULT_5XX,
      responseHeaders: { 'Access-Control-Allow-Origin': allowOriginHeader },
    });

    // Every method needs an entry in RoutePermissions (a route not listed is denied).
    const backendIntegration = new apigateway.LambdaIntegration(backendFn, { allowTestInvoke: false });
    const orders = restApi.root.addResource('orders');
    orders.addMethod('GET', backendIntegration);
    orders.addMethod('POST', backendIntegration);
    orders.addResource('{id}').addMethod('GET', backendIntegration);

    new cloudwatch.Alarm(this, 'Api5xxAlarm', {
      alarmDescription: 'The REST API answers 5xx (authorizer failures included).',
      metric: restApi.metricServerError({ statistic: cloudwatch.Stats.SUM, period: cdk.Duration.minutes(1) }),
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const permissionTable = new dynamodb.Table(this, 'PermissionTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    // The authorizer only reads, with the one action the adapter (src/adapters/store.ts) uses.
    permissionTable.grant(authorizerFn, 'dynamodb:BatchGetItem');
    authorizerFn.addEnvironment('TABLE_NAME', permissionTable.tableName);

    /** An authorizer metric (Powertools EMF, dimension service = stack name), summed per minute. */
    const gatekeeperMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: metricsNamespace.valueAsString,
        metricName,
        dimensionsMap: { service: cdk.Aws.STACK_NAME },
        statistic: cloudwatch.Stats.SUM,
        period: cdk.Duration.minutes(1),
      });

    new cloudwatch.Alarm(this, 'StoreErrorAlarm', {
      alarmDescription: 'The permission store (' + "Amazon DynamoDB" + ') is failing; the authorizer is denying every request that reaches it.',
      metric: gatekeeperMetric('StoreError'),
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    new cloudwatch.Alarm(this, 'KeysUnavailableAlarm', {
      alarmDescription: "The issuer's JWKS cannot be fetched; no token can be verified.",
      metric: gatekeeperMetric('KeysUnavailable'),
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // Every alarm of the stack notifies AlarmActionArn when it is set. (W1030 of the built-in
    // validation reads the empty default without the condition that guards it.)
    for (const child of this.node.findAll()) {
      if (child instanceof cloudwatch.CfnAlarm) {
        child.alarmActions = cdk.Token.asList(cdk.Fn.conditionIf(hasAlarmAction.logicalId, [alarmActionArn.valueAsString], cdk.Aws.NO_VALUE));
        cdk.Validations.of(child).acknowledge({ id: 'CloudFormation-Validate::W1030', reason: 'AlarmActionArn is used only when not empty (HasAlarmAction).' });
      }
    }

    new cdk.CfnOutput(this, 'ApiUrl', { description: 'Base URL of the REST API (stage api).', value: restApi.url });
    new cdk.CfnOutput(this, 'AuthorizerFunctionName', { description: 'The Lambda authorizer.', value: authorizerFn.functionName });

    new cdk.CfnOutput(this, 'PermissionTableName', {
      description: "DynamoDB table of grants and revocations (write to it with the AWS CLI or the adapter's admin methods).",
      value: permissionTable.tableName,
    });
  }
}
