import type { AppDefinition } from '../../constructs/app';
import { loadConfig } from '../../environments';
import { renderTree, type RenderedTree } from '../../synth/render';

/** Versions `1.0.0` for every app in every environment. */
export function versionsFor(
  apps: readonly AppDefinition[],
): Record<string, Record<string, string>> {
  const all = Object.fromEntries(apps.map((app) => [app.name, '1.0.0']));
  return { dev: { ...all }, test: { ...all }, prod: { ...all } };
}

/** Renders the reference clusters with the given apps (every version `1.0.0` unless given). */
export function renderApps(
  apps: readonly AppDefinition[],
  versions: Record<string, Record<string, string>> = versionsFor(apps),
): RenderedTree {
  return renderTree(loadConfig(), undefined, { apps, versions });
}

/** The message a render with these apps fails with. */
export function renderError(
  apps: readonly AppDefinition[],
  versions?: Record<string, Record<string, string>>,
): string {
  try {
    renderApps(apps, versions);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the apps to be rejected');
}
