import { networkPolicyRules } from '../../constructs/app/network-policy';
import type { PeerApp } from '../../constructs/app/definition';
import { WebService } from '../../constructs/app';
import { renderError } from '../support/apps';
import { findObject, referenceTree } from '../support/tree';

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

  it('lets the app out to the external hosts and address blocks it declares, on their ports only', () => {
    const rules = networkPolicyRules({
      appName: 'api',
      ports: [http],
      gatewayPorts: [],
      peers: new Map([peer('api')]),
      external: [
        { host: 'db.example.com', ports: [5432] },
        { host: '*.queue.example.com', ports: [5671, 5672] },
        { cidr: '10.30.0.0/24', ports: [443] },
      ],
    });
    // DNS first: its proxy rule is what lets Cilium learn the names' addresses.
    expect(rules.egress[0]).toMatchObject({
      toPorts: [{ rules: { dns: [{ matchPattern: '*' }] } }],
    });
    expect(rules.egress.slice(1)).toEqual([
      {
        toFQDNs: [{ matchName: 'db.example.com' }],
        toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }],
      },
      {
        toFQDNs: [{ matchPattern: '*.queue.example.com' }],
        toPorts: [
          {
            ports: [
              { port: '5671', protocol: 'TCP' },
              { port: '5672', protocol: 'TCP' },
            ],
          },
        ],
      },
      {
        toCIDRSet: [{ cidr: '10.30.0.0/24' }],
        toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }],
      },
    ]);
  });
});

describe('external destinations of the reference apps', () => {
  const egressOf = (env: string, app: string) =>
    (
      findObject(referenceTree(), `apps/${env}/${app}/`, 'CiliumNetworkPolicy', app).spec as {
        egress: Record<string, unknown>[];
      }
    ).egress.filter((rule) => 'toFQDNs' in rule);

  it("reach their database and queue, each environment's own (regression: only DNS and the catalog)", () => {
    expect(egressOf('dev', 'checkout-api')).toEqual([
      expect.objectContaining({ toFQDNs: [{ matchName: 'db.example.com' }] }),
    ]);
    expect(egressOf('prod', 'checkout-api')).toEqual([
      expect.objectContaining({ toFQDNs: [{ matchName: 'db.prod.example.com' }] }),
    ]);
    expect(egressOf('test', 'order-worker')).toEqual([
      expect.objectContaining({ toFQDNs: [{ matchName: 'mq.example.com' }] }),
    ]);
  });

  it('refuses a destination that is not one host or one CIDR with TCP ports, naming the field', () => {
    const app = (external: unknown) =>
      WebService.define({
        name: 'shop',
        team: 'web',
        image: 'registry.example.com/web/shop',
        environments: { prod: { external: external as never } },
      });
    expect(renderError([app([{ host: 'db', ports: [5432] }])])).toBe(
      "app 'shop' environments.prod.external[0].host: must be a fully qualified DNS name, optionally with one leading '*.' (db.example.com, *.queue.example.com), got 'db'",
    );
    expect(renderError([app([{ cidr: '10.0.0.1', ports: [0] }])])).toBe(
      [
        '2 problems:',
        "  - app 'shop' environments.prod.external[0].cidr: must be an IPv4 CIDR (10.30.0.0/24; a single address is /32), got '10.0.0.1'",
        "  - app 'shop' environments.prod.external[0].ports: must list TCP ports from 1 to 65535, got [0]",
      ].join('\n'),
    );
    expect(renderError([app([{ host: 'db.example.com', cidr: '10.0.0.0/8', ports: [1] }])])).toBe(
      "app 'shop' environments.prod.external[0]: must give exactly one of host and cidr",
    );
  });
});
