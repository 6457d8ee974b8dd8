// The official ECS SDK (@alicloud/ecs20140526 7.11.6) judges swas-sim's ECS side: the requests
// it builds for the Cloud Assistant operations are accepted, and the answers it parses give the
// fields ecs-cloud-assistant-api.md names, in ECS's wrapped shapes.
// Needs SWAS_SIM (path to the binary) and SWAS_SCENARIO (tests/testdata/conformance_ecs.yaml).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { useSim } = require('./sim');
const Ecs = require('@alicloud/ecs20140526');
const { $OpenApiUtil } = require('@alicloud/openapi-core');

const A = 'i-bp1aaaaaaaaaaaaaaaaa';
const B = 'i-bp1bbbbbbbbbbbbbbbbb';
const sim = useSim();

function client(opts = {}) {
  return new Ecs.default(new $OpenApiUtil.Config({
    accessKeyId: 'testid', accessKeySecret: 'testsecret', regionId: 'cn-hangzhou',
    endpoint: `127.0.0.1:${sim.port}`, protocol: 'http', ...opts,
  }));
}

function invocations(extra = {}) {
  return client().describeInvocations(new Ecs.DescribeInvocationsRequest({
    regionId: 'cn-hangzhou', contentEncoding: 'PlainText', maxResults: 50, ...extra,
  }));
}

async function rejected(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('the call succeeded');
}

test('DescribeInvocations: wrapped lists, PlainText, the fields of a finished Once task', async () => {
  const res = await invocations({ instanceId: A, includeOutput: true });
  assert.strictEqual(res.statusCode, 200);
  const body = res.body;
  assert.match(body.requestId, /^[0-9A-F-]{36}$/);
  const ids = body.invocations.invocation.map((i) => i.invokeId);
  assert.deepStrictEqual(ids, ['t-hz01onceaaaa0002', 't-hz01onceaaaa0001'], 'newest first, Timed=false by default');
  const deploy = body.invocations.invocation[1];
  assert.strictEqual(deploy.invocationStatus, 'PartialFailed', 'the whole invocation\'s status');
  assert.strictEqual(deploy.invokeInstances.invokeInstance.length, 1, 'only instance A is listed with InstanceId');
  assert.strictEqual(deploy.commandContent, 'echo deploy');
  assert.strictEqual(deploy.repeatMode, 'Once');
  assert.strictEqual(deploy.timed, false);
  assert.match(deploy.creationTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const [a] = deploy.invokeInstances.invokeInstance;
  assert.strictEqual(a.instanceId, A);
  assert.strictEqual(a.invocationStatus, 'Failed');
  assert.strictEqual(a.exitCode, 3);
  assert.strictEqual(a.errorCode, 'ExitCodeNonzero');
  assert.strictEqual(a.output, 'boom\n');
  assert.strictEqual(a.repeats, 1);
  assert.match(a.finishTime, /Z$/);
  assert.strictEqual(a.dropped, 0);
});

test('DescribeInvocations: the default ContentEncoding is Base64, Output only when asked', async () => {
  const res = await client().describeInvocations(new Ecs.DescribeInvocationsRequest({
    regionId: 'cn-hangzhou', invokeId: 't-hz01onceaaaa0001',
  }));
  const [inv] = res.body.invocations.invocation;
  assert.strictEqual(inv.commandContent, Buffer.from('echo deploy').toString('base64'));
  assert.strictEqual(inv.invokeInstances.invokeInstance[0].output, undefined);
  const e = await rejected(invocations({ includeOutput: true }));
  assert.strictEqual(e.code, 'InvalidParameter', 'IncludeOutput needs InvokeId or InstanceId');
});

test('DescribeInvocations: NextToken pages the list, MaxResults 1 to 50', async () => {
  const seen = [];
  let token;
  for (let page = 0; page < 10; ++page) {
    const res = await invocations({ maxResults: 1, nextToken: token });
    assert.strictEqual(res.body.totalCount, 3);
    seen.push(...res.body.invocations.invocation.map((i) => i.invokeId));
    token = res.body.nextToken;
    if (!token) break;
  }
  assert.deepStrictEqual(seen, ['t-hz01period0004', 't-hz01onceaaaa0002', 't-hz01onceaaaa0001']);
  assert.strictEqual((await rejected(invocations({ maxResults: 51 }))).code, 'InvalidParameter');
  assert.strictEqual((await rejected(invocations({ nextToken: '!!' }))).code, 'InvalidParameter');
});

test('DescribeInvocations: Timed=true lists the running periodic task, Running overall', async () => {
  const res = await invocations({ timed: true });
  const [task] = res.body.invocations.invocation;
  assert.strictEqual(res.body.invocations.invocation.length, 1);
  assert.strictEqual(task.invokeId, 't-hz01period0003');
  assert.strictEqual(task.repeatMode, 'Period');
  assert.strictEqual(task.timed, true);
  assert.strictEqual(task.invocationStatus, 'Running');
  const [run] = task.invokeInstances.invokeInstance;
  assert.strictEqual(run.repeats, 3);
  assert.strictEqual(run.invocationStatus, 'Running');
  const stopped = (await invocations({ invokeId: 't-hz01period0004' })).body.invocations.invocation[0];
  assert.strictEqual(stopped.timed, false, 'a stopped periodic task is listed with Timed=false');
  assert.strictEqual(stopped.invocationStatus, 'Stopped');
  assert.strictEqual(stopped.invokeInstances.invokeInstance[0].invocationStatus, 'Terminated');
  assert.match(stopped.invokeInstances.invokeInstance[0].stopTime, /Z$/);
});

test('DescribeInvocationResults: IncludeHistory gives every run, FinishedTime, paging inside Invocation', async () => {
  const res = await client().describeInvocationResults(new Ecs.DescribeInvocationResultsRequest({
    regionId: 'cn-hangzhou', invokeId: 't-hz01period0003', includeHistory: true, contentEncoding: 'PlainText',
  }));
  const inv = res.body.invocation;
  assert.strictEqual(inv.totalCount, 3);
  const runs = inv.invocationResults.invocationResult;
  assert.deepStrictEqual(runs.map((r) => r.repeats), [3, 2, 1]);
  assert.deepStrictEqual(runs.map((r) => r.invocationStatus), ['Running', 'Success', 'Failed']);
  assert.strictEqual(runs[2].output, 'run 1\n');
  assert.strictEqual(runs[2].exitCode, 1);
  assert.match(runs[2].finishedTime, /Z$/);
  assert.strictEqual(runs[0].finishedTime, '');
  const latest = await client().describeInvocationResults(new Ecs.DescribeInvocationResultsRequest({
    regionId: 'cn-hangzhou', invokeId: 't-hz01period0003', maxResults: 1,
  }));
  assert.strictEqual(latest.body.invocation.invocationResults.invocationResult.length, 1);
  const e = await rejected(client().describeInvocationResults(new Ecs.DescribeInvocationResultsRequest({
    regionId: 'cn-hangzhou', invokeId: 't-hz01onceaaaa0001', includeHistory: true,
  })));
  assert.strictEqual(e.code, 'InvalidParameter', 'IncludeHistory needs a Period or EveryReboot task');
});

test('DescribeInstances: InstanceIds as JSON, tag filter, wrapped tags and addresses', async () => {
  const res = await client().describeInstances(new Ecs.DescribeInstancesRequest({
    regionId: 'cn-hangzhou', instanceIds: JSON.stringify([A, B]), maxResults: 100,
    tag: [new Ecs.DescribeInstancesRequestTag({ key: 'team', value: 'web' })],
  }));
  const [web] = res.body.instances.instance;
  assert.strictEqual(res.body.instances.instance.length, 1);
  assert.strictEqual(web.instanceId, B);
  assert.strictEqual(web.instanceName, 'web-3');
  assert.strictEqual(web.regionId, 'cn-hangzhou');
  assert.deepStrictEqual(web.tags.tag.map((t) => [t.tagKey, t.tagValue]), [['env', 'prod'], ['team', 'web']]);
  assert.strictEqual(web.vpcAttributes.privateIpAddress.ipAddress[0], '172.16.0.3');
  assert.strictEqual(web.eipAddress.ipAddress, '47.96.1.3');
});

test('DescribeCloudAssistantStatus (ECS): InstanceId.N, the status a string, heartbeat and tasks', async () => {
  const res = await client().describeCloudAssistantStatus(new Ecs.DescribeCloudAssistantStatusRequest({
    regionId: 'cn-hangzhou', instanceId: [A, B],
  }));
  const set = res.body.instanceCloudAssistantStatusSet.instanceCloudAssistantStatus;
  const byId = Object.fromEntries(set.map((s) => [s.instanceId, s]));
  assert.strictEqual(byId[A].cloudAssistantStatus, 'true');
  assert.strictEqual(byId[B].cloudAssistantStatus, 'false');
  assert.strictEqual(byId[A].activeTaskCount, 1, 'the periodic task is running on A');
  assert.match(byId[A].lastHeartbeatTime, /Z$/);
});

test('DescribeRegions lists the ECS regions', async () => {
  const res = await client().describeRegions(new Ecs.DescribeRegionsRequest({}));
  const ids = res.body.regions.region.map((r) => r.regionId).sort();
  assert.deepStrictEqual(ids, ['cn-beijing', 'cn-hangzhou']);
  assert.strictEqual(res.body.regions.region[0].regionEndpoint, `ecs.${res.body.regions.region[0].regionId}.aliyuncs.com`);
});

test('V1 signatures are accepted for ECS too', async () => {
  const res = await client({ signatureAlgorithm: 'v2' }).describeInvocations(new Ecs.DescribeInvocationsRequest({
    regionId: 'cn-hangzhou', contentEncoding: 'PlainText',
  }));
  assert.strictEqual(res.body.invocations.invocation.length, 3);
});
