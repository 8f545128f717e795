// Defining a stack twice must declare the same resources with the same inputs and options:
// anything that differs between two runs of the program (a timestamp, a random name, an
// unordered map) would be a diff on every `pulumi up`.
import {
  VALID_SETTINGS,
  configSource,
  installMocks,
  registered,
  stackResources,
  type Registration,
} from './support';

/** Everything of a registration the engine compares between two runs, by resource name. */
function byName(registrations: readonly Registration[]): Record<string, unknown> {
  return Object.fromEntries(
    registrations.map((r) => [
      r.name,
      {
        type: r.type,
        // The wire form: secret markers included, so secretness must not vary either.
        wire: r.wire,
        dependsOn: [...r.dependsOn].sort(),
        provider: r.provider,
        additionalSecretOutputs: r.additionalSecretOutputs,
        ignoreChanges: r.ignoreChanges,
        protect: r.protect,
      },
    ]),
  );
}

/** One run of the program for a stack, under fresh mocks. */
async function run(cluster: string): Promise<Registration[]> {
  const registrations = await installMocks(cluster);
  const { defineStack } = await import('../../infra/program');
  await registered(
    await stackResources(defineStack(cluster, { config: configSource(VALID_SETTINGS) })),
  );
  return registrations;
}

describe.each(['dev', 'prod'])('stack %s', (cluster) => {
  it('declares identical resources, inputs and options when defined twice', async () => {
    const first = await run(cluster);
    const second = await run(cluster);
    // Not vacuous: both runs declared the whole stack (fresh mocks, nothing left over).
    expect(first.length).toBeGreaterThan(10);
    expect(second).toHaveLength(first.length);
    expect(byName(second)).toEqual(byName(first));
    expect(second.map((r) => r.name).sort()).toEqual(first.map((r) => r.name).sort());
  });
});
