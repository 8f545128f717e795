import { parse } from 'yaml';
import { loadConfig } from '../../environments';
import { renderTree, type RenderedTree } from '../../synth/render';

/** A Kubernetes object read back from a rendered file. */
export interface RenderedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
  };
  readonly spec?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

let reference: RenderedTree | undefined;

/** The reference configuration rendered in memory (once per test file). */
export function referenceTree(): RenderedTree {
  reference ??= renderTree(loadConfig());
  return reference;
}

/** Whether a path is a kustomize config file rather than a Kubernetes object. */
export function isKustomization(file: string): boolean {
  return file.endsWith('/kustomization.yaml') || file === 'kustomization.yaml';
}

const parsed = new WeakMap<RenderedTree, { file: string; object: RenderedObject }[]>();

/** The objects of a rendered tree (parsed back from YAML once per tree), with their paths. */
export function objectsOf(tree: RenderedTree): { file: string; object: RenderedObject }[] {
  let objects = parsed.get(tree);
  if (!objects) {
    objects = [...tree.files]
      .filter(([file]) => !isKustomization(file))
      .map(([file, content]) => ({ file, object: parse(content) as RenderedObject }));
    parsed.set(tree, objects);
  }
  return objects;
}

/** The one object of a kind and name in a rendered tree under a folder prefix; throws otherwise. */
export function findObject(
  tree: RenderedTree,
  prefix: string,
  kind: string,
  name: string,
): RenderedObject {
  const matches = objectsOf(tree).filter(
    ({ file, object }) =>
      file.startsWith(prefix) && object.kind === kind && object.metadata.name === name,
  );
  if (matches.length !== 1) {
    throw new Error(`expected one ${kind} '${name}' under ${prefix}, found ${matches.length}`);
  }
  return matches[0].object;
}

/**
 * Rendered YAML read back for assertions: tests walk deep paths of upstream schemas, which
 * typing would only restate.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;
