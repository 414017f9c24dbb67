/** Types for compile-cache.js (plain JS: it loads before the TypeScript loader). */
export function install(name: string): void;
export function flush(): void;
export function packFile(dir: string, name: string): string;
export function readPack(file: string): Map<string, { hash: string; data: Buffer }>;
export function packBytes(entries: Map<string, { hash: string; data: Buffer }>): Buffer;
export const DYNAMIC_IMPORT: RegExp;
