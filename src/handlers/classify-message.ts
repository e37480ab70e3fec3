import type { ParsedText } from '../commands/parse-command';
import { parseCommand } from '../commands/parse-command';
import type { PromptTemplate } from '../commands/prompt-templates';
import type { ReplyJob } from '../dingtalk/reply-job';
import { MEDIA_NOTICES } from '../media/media-notices';
import type { QuestionInput } from '../media/prepare-question';
import { needsDownload } from '../media/prepare-question';

/** What a job asks before anything is downloaded: a question or command, or a notice to send at once. */
export type MessageInput = { input: QuestionInput; parsed: ParsedText } | { notice: string };

/** Reads a job's content as typed text, a transcript, pictures or a file, and classifies it (pure). */
export function classifyMessage(job: ReplyJob, templates: readonly PromptTemplate[]): MessageInput {
  const { content } = job;
  switch (content.kind) {
    case 'other':
      return { notice: MEDIA_NOTICES.unsupportedType };
    case 'voice':
      // Answered as if the transcript had been typed: commands, policies and history all apply.
      if (!content.transcript.trim()) return { notice: MEDIA_NOTICES.emptyVoice };
      return classify({ text: content.transcript }, job, templates);
    case 'text':
      return classify({ text: content.text }, job, templates);
    case 'file':
      return classify({ text: '', file: content }, job, templates);
    case 'pictures': {
      if (content.parts.some((part) => part.type === 'picture'))
        return classify({ text: '', parts: content.parts }, job, templates);
      // A rich text of text only reads as typed text.
      const text = content.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
      return classify({ text }, job, templates);
    }
  }
}

function classify(input: QuestionInput, job: ReplyJob, templates: readonly PromptTemplate[]): MessageInput {
  const quoted = job.quote === undefined ? input : { ...input, quote: job.quote };
  // Commands are typed (or spoken); a picture or a file is always a question.
  const parsed: ParsedText = needsDownload(quoted)
    ? { kind: 'question', text: quoted.text }
    : parseCommand(quoted.text, templates);
  return { input: quoted, parsed };
}
