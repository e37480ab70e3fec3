/** Sends messages one at a time in submission order; on a failure, hands back every unsent one. */
export function createOutbox<Message>(options: {
  /** Resolves to an error line, or to nothing once the message is sent. */
  post: (message: Message) => Promise<string | undefined>;
  onChange?: (size: number) => void;
  onFailure?: (unsent: Message[], error: string) => void;
}): { add(message: Message): Promise<void>; readonly size: number };
