// The one line synth prints for an error that is not a ConfigError (a bug, or input no rule
// catches yet): the message and where it was thrown, in the user's input file when the stack
// passes through one (`apps/shop.ts:12:5: ...`), else in the program. The stack itself is
// printed only on request (SYNTH_TRACE=1).
import * as fs from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import * as path from 'node:path';

/** A place in a source file, 1-based. */
interface Place {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Folders holding what users write (checked first when naming where an error comes from). */
const INPUT_FOLDERS = ['apps/', 'environments/'];

const maps = new Map<string, SourceMap | undefined>();

/** The source map beside a bundle (`<file>.map`, which scripts/run-ts.js writes), if any. */
function sourceMapOf(file: string): SourceMap | undefined {
  if (!maps.has(file)) {
    let map: SourceMap | undefined;
    try {
      map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload);
    } catch {
      map = undefined;
    }
    maps.set(file, map);
  }
  return maps.get(file);
}

/** A stack frame's place, mapped back from a bundle to its source file. */
function sourcePlace(file: string, line: number, column: number): Place {
  const map = file.endsWith('.js') ? sourceMapOf(file) : undefined;
  if (!map) return { file, line, column };
  const entry = map.findEntry(line - 1, column - 1);
  if (!('originalSource' in entry)) return { file, line, column };
  const source = entry.originalSource.replace(/^file:\/\//, '');
  return {
    file: path.resolve(path.dirname(file), source),
    line: entry.originalLine + 1,
    column: entry.originalColumn + 1,
  };
}

/** The places of an error's stack frames, in order, relative to the root where inside it. */
function stackPlaces(error: Error, root: string): Place[] {
  const places: Place[] = [];
  for (const frame of (error.stack ?? '').split('\n').slice(1)) {
    const match = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(frame.trim());
    if (!match) continue;
    const place = sourcePlace(
      match[1].replace(/^file:\/\//, ''),
      Number(match[2]),
      Number(match[3]),
    );
    const relative = path.relative(root, place.file).split(path.sep).join('/');
    places.push(relative.startsWith('..') ? place : { ...place, file: relative });
  }
  return places;
}

/**
 * The line synth prints for an unexpected error: `apps/shop.ts:12:5: <message>` when it was
 * thrown while running a file of apps/ or environments/, else the message and the innermost
 * place in the repository (outside node_modules) it came from.
 */
export function failureLine(error: unknown, root: string): string {
  if (!(error instanceof Error)) return `unexpected error: ${String(error)}`;
  const message = error.message.replace(/\s*\n\s*/g, ' ');
  // Node's own message names the call and the path (`EACCES: permission denied, mkdir '/x'`).
  if (typeof (error as NodeJS.ErrnoException).syscall === 'string') {
    return `file system error: ${message}`;
  }
  const places = stackPlaces(error, root);
  const input = places.find((place) =>
    INPUT_FOLDERS.some((folder) => place.file.startsWith(folder)),
  );
  if (input) return `${input.file}:${input.line}:${input.column}: ${message}`;
  const own = places.find(
    (place) =>
      !path.isAbsolute(place.file) &&
      !place.file.startsWith('node:') &&
      !place.file.split('/').includes('node_modules'),
  );
  const where = own ? ` (at ${own.file}:${own.line}:${own.column})` : '';
  return `unexpected error${where}: ${message}; no rule names the input at fault yet, so please report it (SYNTH_TRACE=1 shows the stack)`;
}
