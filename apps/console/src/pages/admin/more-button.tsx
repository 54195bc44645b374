/** "Show more" under a paged list, while the API says there is more. */
export function MoreButton(props: {
  hasMore: boolean;
  loading: boolean;
  onMore: () => void;
  what: string;
}) {
  if (!props.hasMore) return null;
  return (
    <button type="button" onClick={props.onMore} disabled={props.loading}>
      {props.loading ? `Loading more ${props.what}…` : `Show more ${props.what}`}
    </button>
  );
}
