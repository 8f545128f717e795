// A smoke run of `npm run bench` with tiny fleets: the harness measures and reports every
// figure; the real sizes (100, 300, 1,000 apps) are run by hand, not by `npm test`.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../environments';
import { syntheticFleet, withOneAppChanged } from '../../scripts/bench/fleet';
import { diffTrees } from '../../synth/diff/compare';
import { renderTree } from '../../synth/render';

describe('the synthetic fleet', () => {
  it('mixes every app kind and rollout template, valid in every environment', () => {
    const config = loadConfig();
    const tree = renderTree(config, undefined, syntheticFleet(config, 10));
    const kinds = new Set(
      [...tree.files.keys()]
        .filter((file) => file.startsWith('apps/prod/'))
        .map((file) => path.basename(file).split('-')[0]),
    );
    expect([...kinds]).toEqual(
      expect.arrayContaining(['rollout', 'deployment', 'cronjob', 'analysistemplate']),
    );
    const rollouts = [...tree.files]
      .filter(([file]) => file.startsWith('apps/dev/') && file.includes('/rollout-'))
      .map(([, content]) => (content.includes('blueGreen:') ? 'blueGreen' : 'canary'));
    expect(new Set(rollouts)).toEqual(new Set(['blueGreen', 'canary']));
  });

  it('changing one app changes its workload in each environment and nothing else', () => {
    const config = loadConfig();
    const fleet = syntheticFleet(config, 5);
    const result = diffTrees(
      renderTree(config, undefined, fleet).files,
      renderTree(config, undefined, withOneAppChanged(fleet, 'app-0000')).files,
    );
    expect(result.resources.map((r) => `${r.id.scope.name} ${r.id.kind} ${r.id.name}`)).toEqual([
      'dev Rollout app-0000',
      'prod Rollout app-0000',
      'test Rollout app-0000',
    ]);
  });
});

describe('npm run bench (smoke run)', () => {
  it('measures synth, floor and diff in child processes and writes the JSON result', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')), 'results.json');
    const run = spawnSync(
      process.execPath,
      ['scripts/run-ts.js', 'scripts/bench/bench.ts', '--sizes', '3', '--out', out],
      { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8' },
    );
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/apps\s+objects\s+files\s+render s\s+synth s/);
    const result = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      synth: {
        apps: number;
        objects: number;
        synthSeconds: number;
        peakRssMiB: number;
        floorSeconds: number;
      }[];
      diff: { resources: number; diffMs: number; git: { files: number; resources: number } };
      promote: { apps: number; promoteMs: number };
      targets: { target: string; met: boolean }[];
    };
    expect(result.synth.map((r) => r.apps)).toEqual([3]);
    for (const row of result.synth) {
      expect(row.objects).toBeGreaterThan(0);
      expect(row.synthSeconds).toBeGreaterThan(0);
      expect(row.floorSeconds).toBeGreaterThan(0);
      expect(row.peakRssMiB).toBeGreaterThan(0);
    }
    expect(result.diff.resources).toBe(3);
    expect(result.diff.git.resources).toBe(3);
    // One promotion in the fleet, in a process of its own.
    expect(result.promote.apps).toBe(3);
    expect(result.promote.promoteMs).toBeGreaterThan(0);
    expect(result.targets).toHaveLength(7);
    expect(result.targets.map(({ target }) => target)).toContain(
      'npm run promote in the 3-app fleet <= 4 s (fresh process)',
    );
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });
});
