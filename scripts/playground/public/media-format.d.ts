export function formatSize(bytes: number): string;
export function formatDuration(ms: number): string;
export function fileBadge(name: string): string;
