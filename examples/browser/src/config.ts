/**
 * Where the API is: `?api=http://host:port` in the page's URL, else VITE_EVENTLY_URL at build
 * time, else a local `pnpm start`. The API must allow this page's origin (CORS_ORIGINS).
 */
export function apiUrl(): string {
  return (
    new URLSearchParams(location.search).get('api') ??
    import.meta.env.VITE_EVENTLY_URL ??
    'http://127.0.0.1:3000'
  );
}
