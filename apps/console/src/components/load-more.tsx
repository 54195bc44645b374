/**
 * How much of a paged list is shown, and the button that fetches its next page (nothing under
 * an empty list: its own empty state says so).
 */
export function LoadMore(props: {
  shown: number;
  noun: string;
  hasMore: boolean;
  loading: boolean;
  onLoad: () => void;
}) {
  if (props.shown === 0 && !props.hasMore) return null;
  return (
    <div className="load-more">
      <p role="status" aria-live="polite">
        {props.hasMore
          ? `Showing the first ${props.shown} ${props.noun}.`
          : `All ${props.shown} ${props.noun} shown.`}
      </p>
      {props.hasMore && (
        <button type="button" onClick={props.onLoad} disabled={props.loading}>
          {props.loading ? 'Loading more…' : `Load more ${props.noun}`}
        </button>
      )}
    </div>
  );
}
