// Pulumi installs Cilium with exactly the values Flux's HelmRelease renders, overrides from the
// cluster's `platform.cilium.values` included, so Flux adopts the release without a change.
// (program.test.ts compares dev and prod with the committed gitops/ files.)
import * as k8s from '@pulumi/kubernetes';
import { ciliumValues } from '../../constructs/platform/cilium';
import { devCluster } from '../../environments/clusters/dev';
import type { ClusterConfig } from '../../constructs/config/types';
import { installCilium } from '../../infra/bootstrap';
import { renderTree } from '../../synth/render';
import { configWithPlatform } from '../support/config';
import { releaseValues } from '../support/platform';
import { installMocks, registered, type Registration } from './support';
import { type CiliumValues } from '../../constructs/config/cilium';

let registrations: Registration[];

beforeAll(async () => {
  registrations = await installMocks('dev');
});

describe('the Cilium release', () => {
  it('carries the cluster’s value overrides, as the rendered HelmRelease does', async () => {
    const config = configWithPlatform('dev', {
      ...devCluster.platform,
      cilium: { values: { operator: { replicas: 2 }, hubble: { ui: { enabled: false } } } },
    });
    const cluster = config.clusters.find((c) => c.name === 'dev') as ClusterConfig;
    const rendered = releaseValues<CiliumValues>('dev', 'cilium', renderTree(config, ['dev']));
    // Control: the override does change the rendered values.
    expect(rendered).not.toEqual(ciliumValues(cluster));
    expect(rendered.operator.replicas).toBe(2);
    expect(rendered.hubble.ui.enabled).toBe(false);

    const provider = new k8s.Provider('fixture', { kubeconfig: 'unused' });
    await registered([installCilium({ cluster, provider, dependsOn: [] })]);
    const [release] = registrations.filter((r) => r.name === 'dev-cilium');
    expect(release.inputs.values).toEqual(rendered);
  });
});
