import * as pulumi from '@pulumi/pulumi';

// Pulumi's mocks: no CLI, no engine, no cloud. setMocks must run before the program loads.
beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: (args) => args.inputs,
    },
    'nextgen-gitops',
    'dev',
    false,
  );
});

describe('the Pulumi program', () => {
  it('selects the cluster from the stack name', async () => {
    const { defineStack } = await import('../../infra/program');
    expect(defineStack()).toEqual({
      clusterName: 'dev',
      apiEndpoint: 'https://10.10.0.10:6443',
      fluxPath: './gitops/clusters/dev',
    });
    expect(defineStack('prod').apiEndpoint).toBe('https://10.20.0.10:6443');
  });

  it('refuses an unknown stack, listing the known clusters', async () => {
    const { defineStack } = await import('../../infra/program');
    expect(() => defineStack('staging')).toThrow(
      "stack 'staging' name: matches no cluster in environments/; known clusters: dev, prod (run 'pulumi stack select <cluster>')",
    );
  });
});
