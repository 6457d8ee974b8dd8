// The baseline `make bench` compares the daemon with: the script an operator writes with the
// official SDK to watch one region. Every interval it lists DescribeCommandInvocations (pages of
// 50, newest first), keeps each invocation's per-instance status in a Map, and prints a line per
// change (a failure as an alert line). No state on disk, no retries, no alert delivery: the least
// such a script does.
//   PAGES "all": every page, each poll. The API has no "changed since", so this is how a script
//     sees every execution end, however long it ran: the daemon's guarantee.
//   PAGES "1": the newest page only (one call, as the daemon's steady poll): cheaper, but an
//     execution still running when 50 newer ones have started is never seen to end.
//   node sdk_poller.js ENDPOINT(HOST:PORT) REGION INTERVAL_MS PAGES
// On SIGUSR2 it prints {"polls":N,"calls":N,"changes":N,"errors":N} to stderr; on SIGTERM
// too, and exits.
'use strict';
const Swas = require('@alicloud/swas-open20200601');
const { $OpenApiUtil } = require('@alicloud/openapi-core');

const [endpoint, regionId, intervalText, pages] = process.argv.slice(2);
const interval = Number(intervalText);
const client = new Swas.default(new $OpenApiUtil.Config({
  accessKeyId: 'testid', accessKeySecret: 'testsecret', regionId, endpoint, protocol: 'http',
}));
const seen = new Map();  // "invokeId/instanceId" -> status
let polls = 0, calls = 0, changes = 0, errors = 0;

async function poll() {
  for (let page = 1; ; ++page) {
    const res = await client.describeCommandInvocations(
      new Swas.DescribeCommandInvocationsRequest({ regionId, pageSize: 50, pageNumber: page }));
    ++calls;
    const list = res.body.commandInvocations || [];
    record(list);
    if (pages !== 'all' || list.length < 50 || page * 50 >= res.body.totalCount) return;
  }
}

function record(list) {
  for (const invocation of list) {
    for (const instance of invocation.invokeInstances || []) {
      const key = `${invocation.invokeId}/${instance.instanceId}`;
      const status = instance.invocationStatus;
      if (seen.get(key) === status) continue;
      seen.set(key, status);
      ++changes;
      const failed = ['Failed', 'Timeout', 'Error'].includes(status) || instance.errorCode;
      process.stdout.write(`${failed ? 'ALERT' : 'change'} ${key} ${status}\n`);
    }
  }
}

let timer;
async function loop() {
  try {
    await poll();
  } catch (e) {
    ++errors;
  }
  ++polls;
  timer = setTimeout(loop, interval);
}

const counts = () => JSON.stringify({ polls, calls, changes, errors }) + '\n';
process.on('SIGUSR2', () => process.stderr.write(counts()));
process.on('SIGTERM', () => {
  clearTimeout(timer);
  process.stderr.write(counts());
  process.exit(0);
});
loop();
