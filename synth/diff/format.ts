// Renders a diff result for people (terminal, plain text, a PR comment) and for tools (JSON).
import {
  ChangeStatus,
  HighlightKind,
  hasDifferences,
  resourceLabel,
  scopeLabel,
  type DiffHunk,
  type DiffResult,
  type ResourceChange,
  type ScopeSummary,
} from './model';
import { compareStrings } from '../../constructs/order';

/** What was compared, for the title. */
export interface DiffSides {
  /** The old side, e.g. `origin/main (1a2b3c4)` or a folder. */
  readonly base: string;
  /** The new side, e.g. `working tree (fresh synth)` or a folder. */
  readonly head: string;
}

/** The marker CI looks for to update its one comment instead of adding another. */
export const COMMENT_MARKER = '<!-- nextgen-gitops-diff -->';

/** GitHub rejects comment bodies over 65,536 characters. */
export const GITHUB_COMMENT_LIMIT = 65536;

const STATUS_SIGN: Record<ChangeStatus, string> = {
  [ChangeStatus.ADDED]: '+',
  [ChangeStatus.CHANGED]: '~',
  [ChangeStatus.REMOVED]: '-',
  [ChangeStatus.MOVED]: '>',
};

const HIGHLIGHT_LABEL: Record<HighlightKind, string> = {
  [HighlightKind.PRODUCTION_DELETION]: 'DELETED IN PROD',
  [HighlightKind.IMAGE]: 'image',
  [HighlightKind.REPLICAS]: 'replicas',
  [HighlightKind.CHART_VERSION]: 'chart version',
  [HighlightKind.HELM_VALUES]: 'helm values',
  [HighlightKind.ROLLOUT_STRATEGY]: 'rollout',
  [HighlightKind.RBAC]: 'RBAC',
  [HighlightKind.NETWORK_POLICY]: 'network policy',
};

const HIGHLIGHT_ORDER = Object.keys(HIGHLIGHT_LABEL) as HighlightKind[];

/** `+2 Deployment, ~1 HelmRelease` */
export function kindsText(summary: ScopeSummary): string {
  return Object.entries(summary.byKind)
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([kind, counts]) =>
      (Object.keys(STATUS_SIGN) as ChangeStatus[])
        .filter((status) => counts[status] > 0)
        .map((status) => `${STATUS_SIGN[status]}${counts[status]} ${kind}`)
        .join(', '),
    )
    .join(', ');
}

function totals(result: DiffResult): string {
  const sum = (pick: (s: ScopeSummary) => number) =>
    result.summary.reduce((total, s) => total + pick(s), 0);
  const parts = [
    `${sum((s) => s.added)} added`,
    `${sum((s) => s.changed)} changed`,
    `${sum((s) => s.removed)} removed`,
  ];
  const moved = sum((s) => s.moved);
  if (moved > 0) parts.push(`${moved} moved`);
  return parts.join(', ');
}

/** Every highlight with its resource, in order of importance. */
function allHighlights(
  result: DiffResult,
): { change: ResourceChange; kind: HighlightKind; message: string }[] {
  const list = result.resources.flatMap((change) =>
    change.highlights.map((highlight) => ({ change, ...highlight })),
  );
  return list.sort((a, b) => HIGHLIGHT_ORDER.indexOf(a.kind) - HIGHLIGHT_ORDER.indexOf(b.kind));
}

function location(change: ResourceChange): string {
  if (change.oldPath && change.newPath && change.oldPath !== change.newPath) {
    return `${change.oldPath} → ${change.newPath}`;
  }
  return change.newPath ?? change.oldPath ?? '';
}

function hunkHeader(hunk: DiffHunk): string {
  return `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`;
}

/** Options of {@link formatText}. */
export interface TextOptions {
  /**
   * Colour with ANSI escapes.
   * @default false
   */
  readonly color?: boolean;
}

/** Terminal or plain-text report: title, summary table, highlights, then each resource's diff. */
export function formatText(
  result: DiffResult,
  sides: DiffSides,
  options: TextOptions = {},
): string {
  const paint = (code: string) => (text: string) =>
    options.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  const bold = paint('1');
  const red = paint('31');
  const green = paint('32');
  const yellow = paint('33');
  const cyan = paint('36');
  const out: string[] = [bold(`Manifest diff: ${sides.base} → ${sides.head}`)];
  if (!hasDifferences(result)) {
    out.push('No differences.');
    return `${out.join('\n')}\n`;
  }
  out.push(totals(result), '');

  if (result.summary.length > 0) {
    const rows = [
      ['scope', 'added', 'changed', 'removed', 'moved', 'kinds'],
      ...result.summary.map((s) => [
        scopeLabel(s.scope),
        String(s.added),
        String(s.changed),
        String(s.removed),
        String(s.moved),
        kindsText(s),
      ]),
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
    rows.forEach((row, r) => {
      const line = row
        .map((cell, i) => (i > 0 && i < 5 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
        .join('  ')
        .trimEnd();
      out.push(r === 0 ? bold(line) : line);
    });
    out.push('');
  }

  const highlights = allHighlights(result);
  if (highlights.length > 0) {
    out.push(bold('Highlights'));
    for (const { change, kind, message } of highlights) {
      const label = `[${HIGHLIGHT_LABEL[kind]}]`;
      out.push(
        `  ${kind === HighlightKind.PRODUCTION_DELETION ? red(label) : yellow(label)} ${scopeLabel(change.id.scope)}: ${resourceLabel(change.id)}: ${message}`,
      );
    }
    out.push('');
  }

  for (const change of result.resources) {
    out.push(
      bold(
        `${STATUS_SIGN[change.status]} ${change.status} ${scopeLabel(change.id.scope)}: ${resourceLabel(change.id)}`,
      ) + `  (${location(change)})`,
    );
    for (const hunk of change.hunks) {
      out.push(cyan(hunkHeader(hunk)));
      for (const line of hunk.lines) {
        out.push(line.startsWith('+') ? green(line) : line.startsWith('-') ? red(line) : line);
      }
    }
    out.push('');
  }

  if (result.kustomizations.length > 0) {
    out.push(bold('kustomization.yaml entries (order ignored)'));
    for (const k of result.kustomizations) out.push(`  ${kustomizationLine(k)}`);
    out.push('');
  }
  if (result.otherFiles.length > 0) {
    out.push(bold('Other files that differ'), ...result.otherFiles.map((f) => `  ${f}`), '');
  }
  for (const warning of result.warnings) out.push(yellow(`warning: ${warning}`));
  return `${out.join('\n').trimEnd()}\n`;
}

function kustomizationLine(k: DiffResult['kustomizations'][number]): string {
  const parts = [
    ...k.addedEntries.map((entry) => `+${entry}`),
    ...k.removedEntries.map((entry) => `-${entry}`),
  ];
  if (k.otherFieldsChanged) parts.push('other fields changed');
  return `${STATUS_SIGN[k.status]} ${k.path}${parts.length > 0 ? `: ${parts.join(' ')}` : ''}`;
}

/** Options of {@link formatMarkdown}. */
export interface MarkdownOptions {
  /**
   * The most characters the comment may have; resources that do not fit are listed by name.
   * @default 65000 (under GitHub's 65,536)
   */
  readonly maxChars?: number;
  /**
   * The most diff lines shown per resource (a new CRD can have thousands).
   * @default 300
   */
  readonly maxLinesPerResource?: number;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escaped for Markdown prose as well as HTML: hosts like `*.dev.example.com` or names with
 * underscores must read as written, not turn into emphasis.
 */
function escapeMarkdown(text: string): string {
  return escapeHtml(text).replace(/[\\`*_~[\]]/g, (char) => `&#${char.charCodeAt(0)};`);
}

function escapeCell(text: string): string {
  return escapeHtml(text).replace(/\|/g, '\\|');
}

/** A fence longer than any backtick run in the text, so YAML cannot close it. */
function fenceFor(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(longest + 1);
}

function markdownSection(change: ResourceChange, maxLines: number): string {
  const lines: string[] = [];
  for (const hunk of change.hunks) lines.push(hunkHeader(hunk), ...hunk.lines);
  const shown = lines.slice(0, maxLines);
  if (lines.length > shown.length) shown.push(`… ${lines.length - shown.length} more lines cut`);
  const tags = [...new Set(change.highlights.map((h) => HIGHLIGHT_LABEL[h.kind]))];
  const summary =
    `${STATUS_SIGN[change.status]} <code>${escapeHtml(resourceLabel(change.id))}</code> · ` +
    `${escapeHtml(scopeLabel(change.id.scope))} · ${change.status}` +
    (tags.length > 0 ? ` · <b>${escapeHtml(tags.join(', '))}</b>` : '');
  const body =
    shown.length > 0
      ? (() => {
          const text = shown.join('\n');
          const fence = fenceFor(text);
          return `${fence}diff\n${text}\n${fence}`;
        })()
      : '_(content unchanged)_';
  return (
    `<details><summary>${summary}</summary>\n\n<code>${escapeHtml(location(change))}</code>\n\n` +
    `${body}\n</details>\n`
  );
}

/**
 * A PR/MR comment: marker, title, summary table, highlights, one collapsible section per
 * resource (highlighted ones first), never longer than `maxChars`: what does not fit is named
 * in a closing note.
 */
export function formatMarkdown(
  result: DiffResult,
  sides: DiffSides,
  options: MarkdownOptions = {},
): string {
  const maxChars = options.maxChars ?? 65000;
  const maxLines = options.maxLinesPerResource ?? 300;
  const head: string[] = [
    COMMENT_MARKER,
    `### Manifest diff: ${escapeHtml(sides.base)} → ${escapeHtml(sides.head)}`,
    '',
  ];
  if (!hasDifferences(result)) {
    head.push('No differences in the rendered manifests.');
    return `${head.join('\n')}\n`;
  }
  head.push(`**${totals(result)}**`, '');
  if (result.summary.length > 0) {
    head.push(
      '| scope | added | changed | removed | moved | kinds |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
    );
    for (const s of result.summary) {
      head.push(
        `| ${escapeCell(scopeLabel(s.scope))} | ${s.added} | ${s.changed} | ${s.removed} | ${s.moved} | ${escapeCell(kindsText(s))} |`,
      );
    }
    head.push('');
  }
  const highlights = allHighlights(result);
  if (highlights.length > 0) {
    head.push('**Highlights**', '');
    for (const { change, kind, message } of highlights.slice(0, MAX_HIGHLIGHTS_SHOWN)) {
      const label =
        kind === HighlightKind.PRODUCTION_DELETION
          ? '⚠️ **deleted in prod**'
          : `**${HIGHLIGHT_LABEL[kind]}**`;
      head.push(
        `- ${label} ${escapeHtml(scopeLabel(change.id.scope))} <code>${escapeHtml(resourceLabel(change.id))}</code>: ${escapeMarkdown(message)}`,
      );
    }
    if (highlights.length > MAX_HIGHLIGHTS_SHOWN) {
      head.push(`- … and ${highlights.length - MAX_HIGHLIGHTS_SHOWN} more highlights`);
    }
    head.push('');
  }
  if (result.kustomizations.length > 0 || result.otherFiles.length > 0) {
    const items = [
      ...result.kustomizations.map((k) => `<code>${escapeHtml(kustomizationLine(k))}</code>`),
      ...result.otherFiles.map((file) => `other file <code>${escapeHtml(file)}</code>`),
    ];
    head.push(
      `<details><summary>kustomization.yaml entries and other files (${items.length})</summary>\n`,
      ...items.slice(0, MAX_HIGHLIGHTS_SHOWN).map((item) => `- ${item}`),
      ...(items.length > MAX_HIGHLIGHTS_SHOWN
        ? [`- … and ${items.length - MAX_HIGHLIGHTS_SHOWN} more`]
        : []),
      '</details>',
      '',
    );
  }
  for (const warning of result.warnings) head.push(`> warning: ${escapeHtml(warning)}`, '');

  // Highlighted resources first: if something must be cut, cut the least interesting.
  const ordered = [
    ...result.resources.filter((change) => change.highlights.length > 0),
    ...result.resources.filter((change) => change.highlights.length === 0),
  ];
  let text = head.join('\n');
  const cut: ResourceChange[] = [];
  for (const change of ordered) {
    const section = `\n${markdownSection(change, maxLines)}`;
    if (text.length + section.length + NOTE_RESERVE <= maxChars) text += section;
    else cut.push(change);
  }
  text += noteFor(cut);
  // Only a pathological header (thousands of highlights) gets here; never exceed the limit.
  return text.length > maxChars ? cutAtLine(text, maxChars) : text;
}

/** The text cut at a line boundary under `maxChars`, with any open `<details>` closed. */
function cutAtLine(text: string, maxChars: number): string {
  const ending = '\n\n… cut at the size limit\n';
  const closing = '\n</details>';
  let head = text.slice(
    0,
    Math.max(0, text.lastIndexOf('\n', maxChars - ending.length - closing.length)),
  );
  const open = (head.match(/<details>/g) ?? []).length - (head.match(/<\/details>/g) ?? []).length;
  if (open > 0) head += closing;
  return head + ending;
}

/** Room kept for the note naming what was cut (its list is capped to fit). */
const NOTE_RESERVE = 1600;
const MAX_HIGHLIGHTS_SHOWN = 100;

function noteFor(cut: readonly ResourceChange[]): string {
  if (cut.length === 0) return '';
  const names: string[] = [];
  let length = 0;
  for (const change of cut) {
    const name = `${STATUS_SIGN[change.status]} ${scopeLabel(change.id.scope)} ${resourceLabel(change.id)}`;
    if (length + name.length > 1200) break;
    names.push(escapeHtml(name));
    length += name.length + 2;
  }
  const rest = cut.length - names.length;
  return (
    `\n**${cut.length} more resource(s) not shown: the comment would exceed the size limit.** ` +
    `Run \`npm run diff\` locally for the full diff.\n\n${names.map((n) => `- ${n}`).join('\n')}` +
    (rest > 0 ? `\n- … and ${rest} more` : '') +
    '\n'
  );
}

/** The result as JSON for tools (secret values already masked). */
export function formatJson(result: DiffResult, sides: DiffSides): string {
  return `${JSON.stringify({ base: sides.base, head: sides.head, differences: hasDifferences(result), ...result }, null, 2)}\n`;
}
