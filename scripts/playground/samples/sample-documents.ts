import { textDocx, textXlsx } from '../../test-files/office-files';
import { unicodePdf } from '../../test-files/pdf-files';

/** A document the page offers to send: a real PDF, Word or Excel file, made here the same way every run. */
export interface SampleDocument {
  name: string;
  bytes: Buffer;
}

const REPORT = [
  '2024 年第三季度经营报告',
  '营业收入 1.2 亿元，同比增长 12%。',
  '研发投入 3000 万元，占收入的 25%。',
  '新增企业客户 86 家，老客户续约率 93%。',
  '下季度重点：发布 AI 助手 2.0，拓展华南市场。',
];

const PLAN: Array<string | string[][]> = [
  'AI 助手 2.0 项目计划',
  '目标：员工在钉钉里直接向大模型提问，群里 @机器人 也能回答。',
  '里程碑：',
  [
    ['阶段', '负责人', '截止日期'],
    ['内部试用', '张三', '10 月 31 日'],
    ['全员上线', '李四', '11 月 30 日'],
    ['效果复盘', '王五', '12 月 15 日'],
  ],
  '风险：模型回答不准确时，需要在回答下方提示以原文为准。',
];

const BUDGET = [
  {
    name: '年度预算',
    rows: [
      ['项目', '金额（元）', '说明'],
      ['服务器', 360000, '函数计算与存储'],
      ['大模型调用', 240000, '按量计费'],
      ['人员', 400000, '两名工程师半年'],
      ['合计', 1000000, ''],
    ],
  },
];

/** The sample documents, in the order the page lists them: a PDF, a Word document and a workbook. */
export function sampleDocuments(): SampleDocument[] {
  return [
    { name: '季度报告.pdf', bytes: Buffer.from(unicodePdf(REPORT)) },
    { name: '项目计划.docx', bytes: Buffer.from(textDocx(PLAN)) },
    { name: '年度预算.xlsx', bytes: Buffer.from(textXlsx(BUDGET)) },
  ];
}
