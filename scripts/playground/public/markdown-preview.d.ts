import type { RenderOptions } from './markdown';

/** Plain text of rendered markdown on one line; images read [图片], mentions @nick as in the message. */
export function previewText(markdown: string, options?: RenderOptions): string;
