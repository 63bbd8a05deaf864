/**
 * Episode transcripts as HTML: what the agent was asked, which tools it called with which arguments, what came back,
 * and whether the checker counted the episode as solved. Calls are written as Python-style calls, the form BFCL's
 * own ground truth uses (`mv(source="a.pdf", destination="archive")`), so they read like the task's answers.
 */
import { pythonJson } from '../core/python-json.js';
import { esc } from './plots.js';
import type { SampleEpisode, SampleFile, SampleMessage } from './run-dir.js';

/** Longest tool result or message shown in full; the rest is cut with a count of what was left out. */
export const MAX_TEXT = 1200;

function clip(text: string): string {
  if (text.length <= MAX_TEXT) return esc(text);
  return `${esc(text.slice(0, MAX_TEXT))}<span class="cut">… (${text.length - MAX_TEXT} more characters)</span>`;
}

function argValue(v: unknown): string {
  try {
    return pythonJson(v);
  } catch {
    return String(v); // a NaN or a function cannot be JSON: show what it is rather than fail the report
  }
}

/** `name(key=value, ...)` with JSON values. */
export function formatCall(name: string, args: unknown): string {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return `${name}(${argValue(args)})`;
  return `${name}(${Object.entries(args as Record<string, unknown>)
    .map(([k, v]) => `${k}=${argValue(v)}`)
    .join(', ')})`;
}

function messageHtml(m: SampleMessage): string {
  const role = esc(m.role);
  if (m.role === 'system') return `<details class="msg system"><summary>system prompt (${m.content.length} characters)</summary><pre>${clip(m.content)}</pre></details>`;
  const body: string[] = [];
  if (m.content.trim() !== '') body.push(`<pre>${clip(m.content)}</pre>`);
  for (const c of m.toolCalls ?? []) body.push(`<pre class="call">${esc(formatCall(c.name, c.arguments))}</pre>`);
  for (const c of m.invalidToolCalls ?? []) body.push(`<pre class="call invalid" title="${esc(c.error)}">${clip(c.raw)}  ⟵ not a valid call: ${esc(c.error)}</pre>`);
  if (body.length === 0) body.push('<pre class="empty">(empty)</pre>');
  return `<div class="msg ${role}"><div class="role">${role}</div><div class="body">${body.join('')}</div></div>`;
}

function episodeHtml(e: SampleEpisode): string {
  const verdict = e.success === true ? '<span class="ok">solved</span>' : e.success === false ? '<span class="fail">failed</span>' : '<span>unscored</span>';
  const calls = e.messages.reduce((n, m) => n + (m.toolCalls?.length ?? 0), 0);
  const invalid = e.messages.reduce((n, m) => n + (m.invalidToolCalls?.length ?? 0), 0);
  const facts = [e.split ? `split ${esc(e.split)}` : '', e.reward !== undefined ? `reward ${e.reward}` : '', `${calls} tool call${calls === 1 ? '' : 's'}`, invalid > 0 ? `${invalid} invalid` : ''].filter((s) => s !== '');
  return `<details class="episode" open><summary>${verdict} <b>${esc(e.taskId ?? '(no task id)')}</b> · ${facts.join(' · ')}</summary>${e.messages.map(messageHtml).join('\n')}</details>`;
}

/**
 * A few episodes from one evaluation: up to `perKind` solved and `perKind` failed ones, in file order (the file's
 * order is the trainer's, so the choice is the same on every run of the report).
 */
export function pickEpisodes(episodes: readonly SampleEpisode[], perKind: number): SampleEpisode[] {
  const solved = episodes.filter((e) => e.success === true).slice(0, perKind);
  const failed = episodes.filter((e) => e.success !== true).slice(0, perKind);
  return [...solved, ...failed];
}

export function transcriptsHtml(samples: SampleFile | undefined, perKind = 2): string {
  if (!samples) return '<p class="note">No transcripts: the run directory has no readable <code>samples/</code> file yet.</p>';
  const picked = pickEpisodes(samples.episodes, perKind);
  const solved = samples.episodes.filter((e) => e.success === true).length;
  const intro = `<p>From the latest evaluation, <code>samples/${esc(samples.file)}</code> (${samples.phase === 'sft' ? 'SFT step' : 'RL iteration'} ${samples.step}): the trainer saved ${samples.episodes.length} episodes there, ${solved} of them solved; ${picked.length} shown, solved ones first.</p>`;
  return intro + (picked.length === 0 ? '<p class="note">The file holds no episodes.</p>' : picked.map(episodeHtml).join('\n'));
}
