// Service dependencies from /api/dependencies: a layered graph and the same links as a table.
import { useId, useMemo, useState } from 'react';
import { fetchDependencies } from '../api.js';
import { DependencyGraph } from '../components/DependencyGraph.js';
import { useLoad, useTitle } from '../hooks.js';
import { layoutGraph, mergeLinks } from '../lib/layout.js';
import { Link } from '../router.js';

const LOOKBACKS = [
  { value: 3_600_000, label: 'Last hour' },
  { value: 6 * 3_600_000, label: 'Last 6 hours' },
  { value: 24 * 3_600_000, label: 'Last 24 hours' },
  { value: 2 * 86_400_000, label: 'Last 2 days' },
  { value: 7 * 86_400_000, label: 'Last 7 days' },
];

export function DependenciesPage() {
  const id = useId();
  const [lookback, setLookback] = useState(24 * 3_600_000);
  const [run, setRun] = useState(0);
  useTitle('Dependencies');
  const links = useLoad(`${lookback}#${run}`, (signal) => fetchDependencies(Date.now(), lookback, signal));
  const merged = useMemo(() => (links.status === 'done' ? mergeLinks(links.value) : []), [links]);
  const layout = useMemo(() => layoutGraph(merged), [merged]);
  return (
    <div className="page">
      <h1>Service dependencies</h1>
      <div className="toolbar">
        <label htmlFor={`${id}-lookback`}>Time range</label>
        <select id={`${id}-lookback`} value={lookback} onChange={(e) => setLookback(Number(e.target.value))}>
          {LOOKBACKS.map((l) => (
            <option key={l.value} value={l.value}>
              {l.label}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => setRun((n) => n + 1)}>
          Refresh
        </button>
      </div>
      <div role="status" className="status-line">
        {links.status === 'loading' && 'Loading dependencies…'}
        {links.status === 'done' &&
          (merged.length === 0
            ? 'No dependency links in this time range. The ingester writes them from complete traces.'
            : `${layout.nodes.length} services, ${merged.length} links.`)}
      </div>
      {links.status === 'error' && (
        <p className="error-box" role="alert">
          The dependencies could not be loaded: {links.error}
        </p>
      )}
      {merged.length > 0 && (
        <>
          <div className="graph-scroll">
            <DependencyGraph layout={layout} />
          </div>
          <table className="data-table">
            <caption>Links between services</caption>
            <thead>
              <tr>
                <th scope="col">Caller</th>
                <th scope="col">Called service</th>
                <th scope="col" className="num">
                  Calls
                </th>
              </tr>
            </thead>
            <tbody>
              {merged.map((l) => (
                <tr key={`${l.parent}\u0000${l.child}`}>
                  <td>
                    <Link href={`/search?service=${encodeURIComponent(l.parent)}`}>{l.parent}</Link>
                  </td>
                  <td>
                    <Link href={`/search?service=${encodeURIComponent(l.child)}`}>{l.child}</Link>
                  </td>
                  <td className="num">{l.callCount.toLocaleString('en')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
