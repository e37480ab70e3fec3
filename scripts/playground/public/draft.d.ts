/** A piece of a message in written order: text, or an attached picture. */
export type DraftPart = { text: string } | { attachment: string };

export function pictureMarker(number: number): string;
export function markersIn(text: string): Set<number>;
export function draftParts(text: string, pictures: Array<{ number: number; id: string }>): DraftPart[];
export function insertAtCaret(
  text: string,
  start: number,
  end: number,
  insert: string,
): { text: string; caret: number };
export function removeMarker(text: string, number: number): string;
