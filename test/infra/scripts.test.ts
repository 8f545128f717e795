// The Talos scripts run for real in /bin/sh (the command provider's interpreter) against fake
// talosctl and kubectl that record their arguments, the files they are given and their
// environment: secrets must reach talosctl as private files and never sit in the environment
// every child process inherits.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  APPLY_CONFIG_SCRIPT,
  BOOTSTRAP_SCRIPT,
  KUBECONFIG_SCRIPT,
  applyStdin,
} from '../../infra/talos/provision';

// The fakes log each call, dump their environment, and copy the file behind --file and
// --talosconfig (the script's temp folder is gone when it exits). `apply-config --insecure`
// fails, as on an installed node, so the authenticated path runs too.
const FAKE_TALOSCTL = `#!/bin/sh
n=$(ls "$FAKE_LOG" | wc -l)
status=0
printf '%s\\n' "$*" > "$FAKE_LOG/call-$n.args"
env > "$FAKE_LOG/call-$n.env"
while [ $# -gt 0 ]; do
  case "$1" in
    --file) cp "$2" "$FAKE_LOG/call-$n.file"; shift ;;
    --talosconfig) cp "$2" "$FAKE_LOG/call-$n.talosconfig"; shift ;;
    --insecure) status=1 ;;
    kubeconfig) printf 'kubeconfig-of-the-cluster\\n' > "$2"; shift ;;
  esac
  shift
done
exit $status
`;
const FAKE_KUBECTL = `#!/bin/sh
env > "$FAKE_LOG/kubectl.env"
exit 0
`;

// Multi-line, with indentation and a backslash: the split must keep every byte.
const TALOSCONFIG = [
  'context: prod',
  'contexts:',
  '  prod:',
  '    ca: dGFsb3Njb25maWctY2E=',
  '    key: dGFsb3Njb25maWcta2V5\\x',
].join('\n');
const MACHINE_CONFIG = [
  'version: v1alpha1',
  'machine:',
  '  token: machine-token-secret',
  '---',
  'apiVersion: v1alpha1',
  'kind: HostnameConfig',
  'auto: off',
  'hostname: prod-cp-1',
].join('\n');

let root: string;
let log: string;
let bin: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'talos-scripts-'));
  log = path.join(root, 'log');
  bin = path.join(root, 'bin');
  fs.mkdirSync(log);
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'talosctl'), FAKE_TALOSCTL, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'kubectl'), FAKE_KUBECTL, { mode: 0o755 });
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function run(script: string, stdin: string, environment: Record<string, string>) {
  const result = spawnSync('/bin/sh', ['-c', script], {
    input: stdin,
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH ?? ''}`, FAKE_LOG: log, ...environment },
  });
  return result;
}

const read = (file: string) => fs.readFileSync(path.join(log, file), 'utf8');
const recorded = (suffix: string) =>
  fs
    .readdirSync(log)
    .filter((file) => file.endsWith(suffix))
    .sort()
    .map(read);

/** Every environment a child process of the script saw. */
const environments = () => [...recorded('.env')];

describe('the Talos scripts', () => {
  it('apply: splits stdin into the talosconfig and the machine config, by file, not environment', () => {
    const result = run(APPLY_CONFIG_SCRIPT, applyStdin(TALOSCONFIG, MACHINE_CONFIG), {
      NODE: '10.20.0.11',
      CONFIG_SHA256: 'abc',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('10.20.0.11: config abc applied\n');
    // Two calls: maintenance mode (refused by the fake), then with the admin talosconfig.
    expect(recorded('.args')).toHaveLength(2);
    expect(recorded('.file')).toEqual([MACHINE_CONFIG, MACHINE_CONFIG]);
    expect(recorded('.talosconfig')).toEqual([`${TALOSCONFIG}\n`]);
    for (const environment of environments()) {
      expect(environment).not.toContain('dGFsb3Njb25maWc');
      expect(environment).not.toContain('machine-token-secret');
    }
    for (const args of recorded('.args')) expect(args).not.toContain('dGFsb3Njb25maWc');
  });

  it('apply: refuses stdin without the talosconfig marker instead of applying nothing', () => {
    const result = run(APPLY_CONFIG_SCRIPT, MACHINE_CONFIG, {
      NODE: '10.20.0.11',
      CONFIG_SHA256: 'abc',
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('no machine config');
    expect(recorded('.args')).toEqual([]);
  });

  it.each([
    ['bootstrap', BOOTSTRAP_SCRIPT, '10.20.0.11: etcd bootstrapped\n'],
    ['kubeconfig', KUBECONFIG_SCRIPT, 'kubeconfig-of-the-cluster\n'],
  ])('%s: reads the talosconfig from stdin into a file', (_name, script, stdout) => {
    const result = run(script, TALOSCONFIG, { NODE: '10.20.0.11' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(stdout);
    expect(recorded('.talosconfig')).toEqual([TALOSCONFIG]);
    expect(environments().length).toBeGreaterThan(0);
    for (const environment of environments()) expect(environment).not.toContain('dGFsb3Njb25maWc');
  });
});
