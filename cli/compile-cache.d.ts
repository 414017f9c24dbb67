/** Types for compile-cache.js (plain JS: it loads before the TypeScript loader). */
export function install(): void;
export function flush(): void;
export function cacheFile(dir: string, filename: string, content: string): string;
