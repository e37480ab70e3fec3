/** A member of the emulated DingTalk organisation. */
export interface Member {
  staffId: string;
  nick: string;
  color: string;
  isAdmin: boolean;
}

/** The people who can talk to the robot in the playground. */
export const MEMBERS: readonly Member[] = [
  { staffId: '0426581234567890', nick: '张三', color: '#3296fa', isAdmin: true },
  { staffId: '1665012345698', nick: '李四', color: '#f25643', isAdmin: false },
  { staffId: '2103456789012', nick: '王五', color: '#15bc83', isAdmin: false },
  { staffId: '3307890123456', nick: '赵六', color: '#ff9200', isAdmin: false },
];

/** The emulated robot: its AppKey is the callbacks' robotCode. */
export const ROBOT = {
  name: 'AI 助手',
  appKey: 'dingplayground0robot',
  appSecret: 'playground-app-secret-not-a-real-one-0123456789abcdef',
  dingtalkId: '$:LWCP_v1:$PlaygroundRobot0000000000000',
  corpId: 'dingplaygroundcorp0000000000000000',
} as const;

/** The shared group chat. */
export const GROUP = {
  conversationId: 'cidPlaygroundGroup0000000000000000000000+/=',
  title: '产品研发群',
} as const;
