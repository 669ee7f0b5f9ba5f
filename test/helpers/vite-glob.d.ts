// vitest (vite) provides import.meta.glob; declared here so tsc --noEmit knows it.
interface ImportMeta {
  glob<T = unknown>(pattern: string | string[], options: { eager: true; import?: string }): Record<string, T>;
}
