// Small React hooks shared by the pages.
import { useEffect, useState, type RefObject } from 'react';
import { ApiError } from './api.js';

export type Loaded<T> =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'done'; value: T }
  | { status: 'error'; error: string; httpStatus: number };

/**
 * Runs `load` whenever `key` changes (undefined: nothing to load), aborting the previous run; the result or the
 * error as state.
 */
export function useLoad<T>(key: string | undefined, load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [state, setState] = useState<{ key: string | undefined; loaded: Loaded<T> }>({
    key: undefined,
    loaded: { status: 'idle' },
  });
  useEffect(() => {
    if (key === undefined) return;
    const controller = new AbortController();
    // Until the result for this key is in, the state holds an older key's result and the hook says "loading".
    load(controller.signal).then(
      (value) => {
        if (!controller.signal.aborted) setState({ key, loaded: { status: 'done', value } });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        const httpStatus = err instanceof ApiError ? err.status : 0;
        setState({ key, loaded: { status: 'error', error: (err as Error).message, httpStatus } });
      },
    );
    return () => controller.abort();
    // `load` is expected to change with `key` only; listing it would rerun on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  if (key === undefined) return { status: 'idle' };
  return state.key === key ? state.loaded : { status: 'loading' };
}

/** The element's content-box size, following resizes. */
export function useElementSize(ref: RefObject<HTMLElement | null>): { width: number; height: number } {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const element = ref.current;
    if (element === null) return;
    const update = (): void => {
      const width = element.clientWidth;
      const height = element.clientHeight;
      setSize((prev) => (prev.width === width && prev.height === height ? prev : { width, height }));
    };
    update();
    const observer = new ResizeObserver(update);
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

/** Sets the document title while the component is shown. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title === '' ? 'skein' : `${title} · skein`;
  }, [title]);
}
