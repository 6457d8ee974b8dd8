// The official Alibaba Cloud SDK judges swas-sim: what the SDK sends must be accepted and parsed,
// and what the real gateway rejects must be rejected with the same codes.
// Needs SWAS_SIM (path to the binary) and SWAS_SCENARIO (tests/testdata/conformance.yaml).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { useSim } = require('./sim');
const crypto = require('node:crypto');
const http = require('node:http');
const Swas = require('@alicloud/swas-open20200601');
const { $OpenApiUtil, OpenApiUtil } = require('@alicloud/openapi-core');

const sim = useSim();

function client(opts = {}) {
  return new Swas.default(new $OpenApiUtil.Config({
    accessKeyId: 'testid', accessKeySecret: 'testsecret', regionId: 'cn-hangzhou',
    endpoint: `127.0.0.1:${sim.port}`, protocol: 'http', ...opts,
  }));
}

function describeRequest(extra = {}) {
  return new Swas.DescribeCommandInvocationsRequest({ regionId: 'cn-hangzhou', pageSize: '50', pageNumber: '1', ...extra });
}

function checkModel(body) {
  assert.strictEqual(body.totalCount, 2);
  assert.strictEqual(body.pageNumber, 1);
  assert.strictEqual(body.pageSize, 50);
  assert.match(body.requestId, /^[0-9A-F-]{36}$/);
  const [newest, older] = body.commandInvocations;
  assert.strictEqual(newest.invokeId, 't-hz0373jyzxt0002', 'newest first');
  assert.strictEqual(newest.invocationStatus, 'Running');
  assert.strictEqual(older.invokeId, 't-hz0373jyzxt0001');
  assert.strictEqual(older.invocationStatus, 'PartialFailed');
  assert.strictEqual(older.commandName, 'deploy-app');
  assert.strictEqual(older.commandId, 'c-hy0338xh28r0001');
  assert.match(older.creationTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/, 'CreationTime has no zone');
  assert.strictEqual(older.timeout, 60);
  const failed = older.invokeInstances.find((i) => i.instanceId.endsWith('aaaa'));
  assert.strictEqual(failed.invocationStatus, 'Failed');
  assert.strictEqual(failed.exitCode, 3);
  assert.strictEqual(failed.errorCode, 'ExitCodeNonzero');
  assert.strictEqual(failed.output, 'boom\n');
  assert.match(failed.finishTime, /Z$/);
}

test('V3 (ACS3-HMAC-SHA256) DescribeCommandInvocations succeeds and parses', async () => {
  const res = await client().describeCommandInvocations(describeRequest());
  assert.strictEqual(res.statusCode, 200);
  checkModel(res.body);
});

test('V3 with an STS token succeeds', async () => {
  const res = await client({ securityToken: 'test-sts-token' }).describeCommandInvocations(describeRequest());
  checkModel(res.body);
});

test('V1 (HMAC-SHA1, signatureAlgorithm v2) succeeds and parses', async () => {
  const res = await client({ signatureAlgorithm: 'v2' }).describeCommandInvocations(describeRequest());
  checkModel(res.body);
});

test('filters: InstanceId lists only that instance and ignores CommandName; status filter', async () => {
  const c = client();
  const byInstance = await c.describeCommandInvocations(describeRequest({
    instanceId: 'ace0706b2ac4454d984295a94213bbbb', commandName: 'no-such-command' }));
  assert.strictEqual(byInstance.body.totalCount, 1);
  assert.strictEqual(byInstance.body.commandInvocations[0].invokeInstances.length, 1);
  assert.strictEqual(byInstance.body.commandInvocations[0].invocationStatus, 'PartialFailed');
  const running = await c.describeCommandInvocations(describeRequest({ invocationStatus: 'Running' }));
  assert.deepStrictEqual(running.body.commandInvocations.map((i) => i.invokeId), ['t-hz0373jyzxt0002']);
  const paged = await c.describeCommandInvocations(describeRequest({ pageSize: '1', pageNumber: '2' }));
  assert.strictEqual(paged.body.totalCount, 2);
  assert.deepStrictEqual(paged.body.commandInvocations.map((i) => i.invokeId), ['t-hz0373jyzxt0001']);
});

test('ListRegions succeeds', async () => {
  const res = await client().listRegions(new Swas.ListRegionsRequest({ acceptLanguage: 'en-US' }));
  assert.match(res.body.requestId, /^[0-9A-F-]{36}$/);
  const hz = res.body.regions.find((r) => r.regionId === 'cn-hangzhou');
  assert.ok(hz, 'cn-hangzhou is listed');
  // Every field of the SDK's model is filled.
  assert.strictEqual(hz.localName, 'cn-hangzhou');
  assert.strictEqual(hz.regionEndpoint, 'swas.cn-hangzhou.aliyuncs.com');
});

test('ListInstances: every field the SDK models, the filters and paging', async () => {
  const c = client();
  const all = await c.listInstances(new Swas.ListInstancesRequest({ regionId: 'cn-hangzhou', pageSize: 100 }));
  assert.strictEqual(all.body.totalCount, 2);
  assert.strictEqual(all.body.pageNumber, 1);
  assert.strictEqual(all.body.pageSize, 100);
  assert.match(all.body.requestId, /^[0-9A-F-]{36}$/);
  const web = all.body.instances.find((i) => i.instanceId.endsWith('bbbb'));
  assert.strictEqual(web.instanceName, 'web-3');
  assert.strictEqual(web.regionId, 'cn-hangzhou');
  assert.strictEqual(web.status, 'Running');
  assert.strictEqual(web.publicIpAddress, '47.96.1.3');
  assert.strictEqual(web.innerIpAddress, '172.16.0.3');
  assert.strictEqual(web.networkAttributes[0].privateIpAddress, '172.16.0.3');
  assert.deepStrictEqual(web.tags.map((t) => [t.key, t.value]), [['env', 'prod'], ['team', 'web']]);
  const byTag = await c.listInstances(new Swas.ListInstancesRequest({
    regionId: 'cn-hangzhou', tag: [new Swas.ListInstancesRequestTag({ key: 'env', value: 'prod' })] }));
  assert.deepStrictEqual(byTag.body.instances.map((i) => i.instanceName), ['web-3']);
  const byName = await c.listInstances(new Swas.ListInstancesRequest({ regionId: 'cn-hangzhou', instanceName: 'web-*' }));
  assert.deepStrictEqual(byName.body.instances.map((i) => i.instanceName), ['web-3']);
  const byIds = await c.listInstances(new Swas.ListInstancesRequest({
    regionId: 'cn-hangzhou', instanceIds: JSON.stringify(['ace0706b2ac4454d984295a94213aaaa']) }));
  assert.deepStrictEqual(byIds.body.instances.map((i) => i.instanceId), ['ace0706b2ac4454d984295a94213aaaa']);
  const second = await c.listInstances(new Swas.ListInstancesRequest({ regionId: 'cn-hangzhou', pageSize: 1, pageNumber: 2 }));
  assert.strictEqual(second.body.totalCount, 2);
  assert.strictEqual(second.body.instances.length, 1);
  await rejects(c.listInstances(new Swas.ListInstancesRequest({ regionId: 'cn-hangzhou', pageSize: 101 })),
    'InvalidParameter', 400);
});

test('DescribeCloudAssistantStatus: the agent of each instance, the SDK\'s JSON list', async () => {
  const c = client();
  const res = await c.describeCloudAssistantStatus(new Swas.DescribeCloudAssistantStatusRequest({
    regionId: 'cn-hangzhou', instanceIds: ['ace0706b2ac4454d984295a94213aaaa', 'ace0706b2ac4454d984295a94213bbbb'],
    pageSize: 50 }));
  assert.strictEqual(res.body.totalCount, 2);
  assert.strictEqual(res.body.pageSize, 50);
  const status = Object.fromEntries(res.body.cloudAssistantStatus.map((s) => [s.instanceId.slice(-4), s.status]));
  assert.deepStrictEqual(status, { aaaa: true, bbbb: false });
  await rejects(c.describeCloudAssistantStatus(new Swas.DescribeCloudAssistantStatusRequest({
    regionId: 'cn-hangzhou', pageSize: 51 })), 'InvalidParameter', 400);
});

async function rejects(promise, code, statusCode) {
  await assert.rejects(promise, (err) => {
    assert.strictEqual(err.code, code, err.message);
    if (statusCode) assert.strictEqual(err.statusCode, statusCode);
    return true;
  });
}

test('a wrong secret is SignatureDoesNotMatch with the server string to sign', async () => {
  await assert.rejects(client({ accessKeySecret: 'wrong' }).describeCommandInvocations(describeRequest()), (err) => {
    assert.strictEqual(err.code, 'SignatureDoesNotMatch');
    assert.strictEqual(err.statusCode, 400);
    assert.match(err.message, /server string to sign is:ACS3-HMAC-SHA256\n[0-9a-f]{64}/);
    return true;
  });
  await rejects(client({ accessKeySecret: 'wrong', signatureAlgorithm: 'v2' })
    .describeCommandInvocations(describeRequest()), 'SignatureDoesNotMatch', 400);
});

test('an unknown key, an unknown STS token, PageSize 51', async () => {
  await rejects(client({ accessKeyId: 'nobody' }).describeCommandInvocations(describeRequest()),
    'InvalidAccessKeyId.NotFound', 404);
  await rejects(client({ securityToken: 'forged' }).describeCommandInvocations(describeRequest()),
    'InvalidSecurityToken.Malformed', 400);
  await rejects(client().describeCommandInvocations(describeRequest({ pageSize: '51' })), 'InvalidParameter', 400);
});

// Requests signed by the SDK's own OpenApiUtil, sent raw so they can be tampered with.
function signedV3({ query = { RegionId: 'cn-hangzhou', PageSize: '50' }, date, nonce, extraHeaders = {} } = {}) {
  const headers = {
    host: `127.0.0.1:${sim.port}`,
    'x-acs-action': 'DescribeCommandInvocations',
    'x-acs-version': '2020-06-01',
    'x-acs-date': date || new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': nonce || crypto.randomBytes(16).toString('hex'),
    'x-acs-content-sha256': crypto.createHash('sha256').update('').digest('hex'),
    ...extraHeaders,
  };
  const authorization = OpenApiUtil.getAuthorization({ pathname: '/', method: 'POST', query, headers },
    'ACS3-HMAC-SHA256', headers['x-acs-content-sha256'], 'testid', 'testsecret');
  return { query, headers: { ...headers, authorization } };
}

function send({ method = 'POST', query, headers, body = '' }) {
  const qs = new URLSearchParams(query).toString().replace(/\+/g, '%20');
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: sim.port, method, path: `/?${qs}`, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(data) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('raw OpenApiUtil-signed V3 request is accepted', async () => {
  const res = await send(signedV3());
  assert.strictEqual(res.status, 200);
  assert.strictEqual(res.body.TotalCount, 2);
});

test('a tampered query is SignatureDoesNotMatch', async () => {
  const r = signedV3();
  r.query = { ...r.query, PageSize: '10' };
  const res = await send(r);
  assert.strictEqual(res.status, 400);
  assert.strictEqual(res.body.Code, 'SignatureDoesNotMatch');
  assert.ok(res.body.RequestId && res.body.HostId && res.body.Recommend);
});

test('a replayed nonce is SignatureNonceUsed', async () => {
  const r = signedV3();
  assert.strictEqual((await send(r)).status, 200);
  const again = await send(r);
  assert.strictEqual(again.status, 400);
  assert.strictEqual(again.body.Code, 'SignatureNonceUsed');
});

test('a stale date is InvalidTimeStamp.Expired', async () => {
  const stale = new Date(Date.now() - 20 * 60 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const res = await send(signedV3({ date: stale }));
  assert.strictEqual(res.status, 400);
  assert.strictEqual(res.body.Code, 'InvalidTimeStamp.Expired');
});

test('unsigned and half-signed requests are IncompleteSignature', async () => {
  const unsigned = await send({ query: { RegionId: 'cn-hangzhou' }, headers: { 'x-acs-action': 'DescribeCommandInvocations' } });
  assert.strictEqual(unsigned.body.Code, 'IncompleteSignature');
  const r = signedV3();
  r.headers['x-acs-extra'] = 'not signed';
  const half = await send(r);
  assert.strictEqual(half.body.Code, 'IncompleteSignature');
});

function signedV1(method, extra = {}) {
  const params = {
    AccessKeyId: 'testid', Action: 'DescribeCommandInvocations', Format: 'JSON', RegionId: 'cn-hangzhou',
    PageSize: '50', SignatureMethod: 'HMAC-SHA1', SignatureNonce: crypto.randomBytes(16).toString('hex'),
    SignatureVersion: '1.0', Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), Version: '2020-06-01', ...extra,
  };
  return { ...params, Signature: OpenApiUtil.getRPCSignature(params, method, 'testsecret') };
}

test('V1 as GET (pop-core style) and as a POST form body are accepted', async () => {
  const get = await send({ method: 'GET', query: signedV1('GET'), headers: {} });
  assert.strictEqual(get.status, 200);
  assert.strictEqual(get.body.TotalCount, 2);
  const form = new URLSearchParams(signedV1('POST')).toString();
  const post = await send({ query: {}, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  assert.strictEqual(post.status, 200);
  assert.strictEqual(post.body.TotalCount, 2);
});

test('throttling reaches the SDK as ThrottlingError with retryAfter', async () => {
  const set = (body) => new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: sim.port, method: 'POST', path: '/_sim/faults' }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
  await set({ throttle: 1.0, throttle_retry_after_ms: 1500 });
  try {
    await assert.rejects(client().describeCommandInvocations(describeRequest()), (err) => {
      assert.strictEqual(err.name, 'ThrottlingError');
      assert.strictEqual(err.code, 'Throttling.User');
      assert.strictEqual(err.statusCode, 400);
      assert.strictEqual(err.retryAfter, 1500);
      return true;
    });
  } finally {
    await set({ throttle: 0 });
  }
});

test('a missing RegionId is MissingRegionId, with HostId, and counted under its own Code', async () => {
  const res = await send(signedV3({ query: { PageSize: '50' } }));
  assert.strictEqual(res.status, 400);
  assert.strictEqual(res.body.Code, 'MissingRegionId');
  assert.strictEqual(res.body.HostId, `127.0.0.1:${sim.port}`);
  const stats = await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: sim.port, path: '/_sim/stats?truth=0' }, (r) => {
      let data = '';
      r.on('data', (d) => { data += d; });
      r.on('end', () => resolve(JSON.parse(data)));
    }).on('error', reject);
  });
  assert.strictEqual(stats.requests.DescribeCommandInvocations.MissingRegionId, 1);
});
