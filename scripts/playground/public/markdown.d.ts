/** A member whose `@<staffId>` mentions render as `@<nick>`. */
export interface MentionMember {
  staffId: string;
  nick: string;
}

/** Options of the renderers. */
export interface RenderOptions {
  members?: readonly MentionMember[];
  /** Where the page shows an image from DingTalk media (`![描述](@lADP…)`); without it, its description shows. */
  mediaUrl?: (mediaId: string) => string | undefined;
}

/** Escapes the five HTML-significant characters. */
export function escapeHtml(text: string): string;

/** Renders robot markdown to HTML: all input HTML escaped, member mentions highlighted, images shown. */
export function renderMarkdown(markdown: string, options?: RenderOptions): string;

/** Renders plain text (DingTalk `text` messages): escaped, line breaks kept, member mentions highlighted. */
export function renderPlainText(text: string, options?: RenderOptions): string;
