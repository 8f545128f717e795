// The one way tests run promtool (Prometheus's rule checker): `npm test` installs it first
// (scripts/ensure-prometheus-tools.sh), and a missing binary fails with how to install it.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';

const NOT_FOUND =
  'promtool not found: install it with `apt-get install prometheus` (scripts/ensure-prometheus-tools.sh, run before npm test, does when it may)';

/** Runs promtool in a scratch folder holding the given files; returns its stdout. */
function runPromtool(args: readonly string[], files: Readonly<Record<string, object>>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      fs.writeFileSync(path.join(dir, name), stringify(content));
    }
    return execFileSync('promtool', args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(NOT_FOUND);
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args[0]} ${args[1]} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `promtool check rules` on a rule file; returns its output, throwing on invalid rules. */
export function checkRules(spec: object): string {
  return runPromtool(['check', 'rules', 'rules.yaml'], { 'rules.yaml': spec });
}

/**
 * Runs `promtool test rules`: the rule groups against synthetic series, expecting the alerts
 * listed at each evaluation time. Returns promtool's output; throws when an expectation fails.
 */
export function testRules(spec: object, tests: readonly object[]): string {
  return runPromtool(['test', 'rules', 'tests.yaml'], {
    'rules.yaml': spec,
    'tests.yaml': { rule_files: ['rules.yaml'], evaluation_interval: '1m', tests },
  });
}
