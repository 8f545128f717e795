import { WebService, type AppDefinition, type WebServiceProps } from '../../constructs/app';
import { ConfigError, formatProblem } from '../../constructs/errors';
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

/** A web service `shop` of team `web` from the platform's registry, with these props. */
export function shopWebService(props: Partial<WebServiceProps> = {}) {
  return WebService.define({
    name: 'shop',
    team: 'web',
    image: 'registry.example.com/web/shop',
    ...props,
  });
}

/** The lines of the ConfigError `run` throws, or none; any other error fails the test. */
export function thrownLines(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map(formatProblem);
  }
  return [];
}
