// "Find in trace": which spans mention every word the user typed, in their service, operation, span ID,
// tags, process tags or log fields (as "key=value"), ignoring case.
import type { UiKeyValue, UiSpan, UiTrace } from '@skein/model';
import type { SpanTree } from './tree.js';

function pairs(list: readonly UiKeyValue[], into: string[]): void {
  for (const kv of list) into.push(`${kv.key}=${String(kv.value)}`.toLowerCase());
}

/** The lower-cased texts a span is searched by. */
export function searchableTexts(trace: UiTrace, span: UiSpan): string[] {
  const process = trace.processes[span.processID];
  const out = [span.operationName.toLowerCase(), span.spanID.toLowerCase()];
  if (process !== undefined) {
    out.push(process.serviceName.toLowerCase());
    pairs(process.tags, out);
  }
  pairs(span.tags, out);
  for (const log of span.logs) pairs(log.fields, out);
  return out;
}

/** The words of a query, lower-cased; empty when there is nothing to search for. */
export function queryWords(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/** Whether every word occurs in one of the span's texts. */
export function spanMatches(texts: readonly string[], words: readonly string[]): boolean {
  return words.every((w) => texts.some((t) => t.includes(w)));
}

/** Every span's searchable texts, by node index: computed once per trace. */
export function indexTrace(trace: UiTrace): string[][] {
  return trace.spans.map((span) => searchableTexts(trace, span));
}

/** The node indices of matching spans, in timeline order (depth first). */
export function findInTrace(tree: SpanTree, texts: readonly (readonly string[])[], query: string): number[] {
  const words = queryWords(query);
  if (words.length === 0) return [];
  return tree.order.filter((node) => spanMatches(texts[node.index] ?? [], words)).map((node) => node.index);
}
