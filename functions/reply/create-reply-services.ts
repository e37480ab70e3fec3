import { createChatCompleter } from '../../src/chat/chat-completer';
import { createImageGenerator } from '../../src/chat/image-generator';
import type { PromptTemplate } from '../../src/commands/prompt-templates';
import type { ReplyConfig } from '../../src/config/reply-config';
import { createAnswerCards } from '../../src/dingtalk/answer-card';
import { createAnswerDelivery } from '../../src/dingtalk/answer-delivery';
import { createDingTalkHttp } from '../../src/dingtalk/create-dingtalk-http';
import { createMessageFileDownloader } from '../../src/dingtalk/message-files';
import { createOpenApiClient, type OpenApiClient } from '../../src/dingtalk/openapi-client';
import { uploadImage } from '../../src/dingtalk/upload-media';
import { extractFileText } from '../../src/files/extract-file-text';
import type { UploadImage } from '../../src/handlers/generate-image';
import type { ReplyDeps } from '../../src/handlers/handle-reply';
import { replyLeaseMs } from '../../src/handlers/reply-budget';
import type { VolumeStores } from '../../src/handlers/storage-guard';
import { createAliyunModeration } from '../../src/moderation/aliyun-moderation';
import type { RoleCredentials } from '../../src/platform/fc-context';
import type { Logger } from '../../src/ports';
import { createDayFolderHousekeeping } from '../../src/storage/day-folder-housekeeping';
import { delayVolume } from '../../src/storage/delayed-volume';
import { createFileHistoryStore } from '../../src/storage/file-history-store';
import { createFileModeStore } from '../../src/storage/file-mode-store';
import { createFileQuotaStore } from '../../src/storage/file-quota-store';
import { createFileTokenCache } from '../../src/storage/file-token-cache';
import { createFileUsageStore } from '../../src/storage/file-usage-store';
import { createFileUserIndex } from '../../src/storage/file-user-index';
import type { HistoryMemory } from '../../src/storage/history-memory';
import { createHistoryMemory } from '../../src/storage/history-memory';
import type { LegacyMarkerDays } from '../../src/storage/legacy-marker-days';
import { createLegacyMarkerDays } from '../../src/storage/legacy-marker-days';
import type { MessageScope } from '../../src/storage/message-scope';
import { createNodeVolume } from '../../src/storage/node-volume';
import { createProcessedStore } from '../../src/storage/processed-store';
import type { Volume } from '../../src/storage/volume';

// The v1 marker folders are listed again this often (see legacy-marker-days.ts).
const LEGACY_DAYS_REFRESH_MS = 10 * 60_000;
// Per picture or file, both DingTalk requests together; paid from the reply's 60 s delivery budget.
const DOWNLOAD_TIMEOUT_MS = 15_000;

/** Everything the reply handler uses, built once per instance so warm invocations reuse clients and caches. */
export function createReplyServices(
  config: ReplyConfig & { templates: PromptTemplate[] },
  log: Logger,
  roleCredentials: () => RoleCredentials | undefined,
): Omit<ReplyDeps, 'log'> {
  const clock = Date.now;
  const { policy, provider } = config;
  const onDisk = createNodeVolume(config.historyDir);
  const volume =
    config.historyVolumeLatencyMs > 0 ? delayVolume(onDisk, config.historyVolumeLatencyMs) : onDisk;
  // What this instance learnt of the volume, kept across its messages.
  const legacyDays = createLegacyMarkerDays({ clock, refreshMs: LEGACY_DAYS_REFRESH_MS });
  const historyMemory = createHistoryMemory();
  // Cold instances reuse the access token a warm one fetched: one OpenAPI call fewer per cold start.
  const tokenCache = createFileTokenCache({ volume, clock });
  // One client for every OpenAPI caller (answers, cards, downloads, uploads): one access token per instance.
  const openApi = createOpenApiClient({
    http: createDingTalkHttp(),
    apiBase: config.dingtalkApiBase,
    clock,
    tokenCache,
  });
  const endpoint = { apiKey: config.openaiApiKey, baseURL: config.openaiBaseUrl };
  const reach = {
    ...(provider.azure ? { azure: provider.azure } : {}),
    ...(provider.proxyUrl ? { proxyUrl: provider.proxyUrl } : {}),
  };
  return {
    config,
    clock,
    templates: config.templates,
    volume,
    openStores: (messageVolume, scope, messageLog) =>
      openVolumeStores(config, { volume: messageVolume, legacyDays, historyMemory }, scope, messageLog),
    housekeeping: createDayFolderHousekeeping({ logger: log, timeZone: policy.timeZone }),
    moderation: policy.moderation
      ? createAliyunModeration({ endpoint: policy.moderation.endpoint, credentials: roleCredentials })
      : undefined,
    chat: createChatCompleter({
      ...endpoint,
      ...reach,
      model: config.openaiModel,
      timeoutMs: config.llmTimeoutMs,
      clock,
      fallbacks: provider.fallbacks,
      maxAnswerChars: config.maxAnswerChars,
      ...(config.maxAnswerTokens === undefined ? {} : { maxAnswerTokens: config.maxAnswerTokens }),
    }),
    images: provider.imageModel
      ? createImageGenerator({
          ...endpoint,
          ...reach,
          model: provider.imageModel,
          timeoutMs: config.llmTimeoutMs,
        })
      : undefined,
    uploadImage: createUploader(config, openApi),
    downloader: createMessageFileDownloader({
      openApi,
      http: createDingTalkHttp(DOWNLOAD_TIMEOUT_MS),
      timeoutMs: DOWNLOAD_TIMEOUT_MS,
    }),
    extractFile: extractFileText,
    delivery: createAnswerDelivery({
      apps: config.dingtalkApps,
      apiBase: config.dingtalkApiBase,
      clock,
      openApi,
    }),
    ...(config.card
      ? {
          cards: createAnswerCards({
            apps: config.dingtalkApps,
            apiBase: config.dingtalkApiBase,
            clock,
            settings: config.card,
            openApi,
          }),
        }
      : {}),
  };
}

/** The stores on the history volume, opened for one message. */
function openVolumeStores(
  config: ReplyConfig,
  {
    volume,
    legacyDays,
    historyMemory,
  }: { volume: Volume; legacyDays: LegacyMarkerDays; historyMemory: HistoryMemory },
  message: MessageScope,
  logger: Logger,
): VolumeStores {
  const clock = Date.now;
  const { policy } = config;
  return {
    history: createFileHistoryStore({ volume, logger, clock, message, memory: historyMemory }),
    modes: createFileModeStore({ volume, logger, clock, message }),
    processed: createProcessedStore({
      volume,
      logger,
      clock,
      leaseMs: replyLeaseMs(config.llmTimeoutMs),
      message,
      legacyDays,
    }),
    // Counted only where something reads the counts: the daily limit, or admins' #统计 and #查对话.
    quota:
      policy.maxRequestsPerDay > 0
        ? createFileQuotaStore({ volume, logger, clock, timeZone: policy.timeZone, message })
        : undefined,
    usage:
      policy.adminUsers.length > 0
        ? createFileUsageStore({ volume, logger, clock, timeZone: policy.timeZone, message })
        : undefined,
    users: policy.adminUsers.length > 0 ? createFileUserIndex({ volume, logger, message }) : undefined,
  };
}

/** Generated images given as bytes go to DingTalk media with the app of the callback's robot. */
function createUploader(config: ReplyConfig, openApi: OpenApiClient): UploadImage {
  return async (png, robotCode, log) => {
    const app = config.dingtalkApps.find((candidate) => candidate.appKey === robotCode);
    if (!app) return undefined;
    const oapiBase = config.provider.dingtalkOapiBase;
    return uploadImage({ app, oapiBase, apiBase: config.dingtalkApiBase, png, openApi, log });
  };
}
