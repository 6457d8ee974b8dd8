// swas-sim for a conformance test file: started before its tests on 127.0.0.1 (a free port)
// with $SWAS_SCENARIO, stopped after them. `sim.port` is set once it listens.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const readline = require('node:readline');

function useSim() {
  const sim = { port: 0, process: null };
  test.before(async () => {
    const { SWAS_SIM: binary, SWAS_SCENARIO: scenario } = process.env;
    assert.ok(binary && scenario, 'SWAS_SIM and SWAS_SCENARIO must be set');
    sim.process = spawn(binary, ['--listen', '127.0.0.1:0', '--scenario', scenario],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    const first = await new Promise((resolve, reject) => {
      const rl = readline.createInterface({ input: sim.process.stdout });
      rl.once('line', resolve);
      sim.process.once('exit', (code) => reject(new Error(`swas-sim exited with ${code}`)));
    });
    const m = /^listening on 127\.0\.0\.1:(\d+)$/.exec(first);
    assert.ok(m, `unexpected first line: ${first}`);
    sim.port = Number(m[1]);
  });
  test.after(() => { if (sim.process) sim.process.kill('SIGTERM'); });
  return sim;
}

module.exports = { useSim };
