/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_EVENTLY_URL?: string;
}
