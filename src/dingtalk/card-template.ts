/**
 * DingTalk's built-in AI card: usable in any organisation without creating a template, as DingTalk's own card
 * SDK (AIMarkdownCardInstance) and most connectors do (dingtalk.md §8.1).
 */
export const BUILT_IN_CARD_TEMPLATE = '382e4302-551d-4880-bf29-a30acfab2e71.schema';
/** The built-in card's streaming markdown variable. */
export const BUILT_IN_CONTENT_KEY = 'msgContent';
/** A custom template's markdown variable when DINGTALK_CARD_CONTENT_KEY is not set. */
export const DEFAULT_CUSTOM_CONTENT_KEY = 'content';

/** The card's flowStatus values (dingtalk.md §8.1); always sent as strings. */
export const FLOW_STATUS = { inputting: '2', finished: '3', failed: '5' } as const;
export type FlowStatus = (typeof FLOW_STATUS)[keyof typeof FLOW_STATUS];

const BUILT_IN_LAYOUT = JSON.stringify({ order: ['msgTitle', 'msgContent', 'staticMsgContent'] });

/** A card's variables when it is created (empty content): every value a string, as DingTalk requires. */
export function initialCardParams(
  templateId: string,
  contentKey: string,
  flowStatus: FlowStatus,
): Record<string, string> {
  if (templateId !== BUILT_IN_CARD_TEMPLATE) return { [contentKey]: '', flowStatus };
  return {
    msgTitle: '',
    msgContent: '',
    staticMsgContent: '',
    flowStatus,
    sys_full_json_obj: BUILT_IN_LAYOUT,
  };
}
