import { networkPolicyRules } from '../../constructs/app/network-policy';
import type { PeerApp } from '../../constructs/app/definition';

const http = { name: 'http', port: 8080 };
const peer = (name: string, dependents: string[] = []): [string, PeerApp] => [
  name,
  { name, namespace: `dev-${name}`, ports: [http], dependents },
];

describe('networkPolicyRules', () => {
  it('opens the app to its callers and dependents, and egress to DNS and its dependencies', () => {
    const rules = networkPolicyRules({
      appName: 'api',
      ports: [http],
      gatewayPorts: [],
      callers: ['web'],
      dependencies: ['db'],
      peers: new Map([peer('api', ['worker']), peer('web'), peer('worker'), peer('db')]),
    });
    expect(rules.ingress).toEqual([
      {
        fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'dev-web' } }],
        toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
      },
      {
        fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'dev-worker' } }],
        toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
      },
    ]);
    expect(rules.egress).toHaveLength(2);
    expect(rules.egress[0]).toMatchObject({
      toEndpoints: [
        {
          matchLabels: {
            'k8s:io.kubernetes.pod.namespace': 'kube-system',
            'k8s:k8s-app': 'kube-dns',
          },
        },
      ],
    });
    expect(rules.egress[1]).toEqual({
      toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'dev-db' } }],
      toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
    });
  });

  it('gives peers not enabled in the environment no rule', () => {
    const rules = networkPolicyRules({
      appName: 'api',
      ports: [http],
      gatewayPorts: [http],
      callers: ['web'],
      dependencies: ['db'],
      peers: new Map([peer('api')]),
    });
    expect(rules.ingress).toEqual([
      { fromEntities: ['ingress'], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] },
    ]);
    expect(rules.egress).toHaveLength(1);
  });
});
