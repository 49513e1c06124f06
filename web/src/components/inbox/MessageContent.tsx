import { createContext, useContext, useEffect, useState } from "react";
import { useI18n } from "../../i18n/I18nProvider";
import {
  asObj,
  interactivePrompt,
  isErasedContent,
  interactiveReply,
  isMediaType,
  num,
  orderSummary,
  safeUrl,
  sharedContacts,
  str,
  templateBody,
  type MediaType,
} from "../../lib/content";
import { formatBytes, type MediaCache } from "../../lib/media";
import type { Message, Template } from "../../lib/types";

/** Where media by id is fetched from: the open conversation's channel. */
export interface MediaSource {
  channelId: string;
  cache: MediaCache;
}
export const MediaSourceContext = createContext<MediaSource | null>(null);

const MEDIA_ICON: Record<MediaType, string> = { image: "📷", video: "🎥", audio: "🎤", document: "📄", sticker: "🏷️" };
const MEDIA_LABEL = {
  image: "msg.image",
  video: "msg.video",
  audio: "msg.audio",
  document: "msg.document",
  sticker: "msg.sticker",
} as const;

function Text({ children }: { children: string }) {
  if (!children) return null;
  return <p className="whitespace-pre-wrap break-words">{children}</p>;
}

/** An image (or sticker) by media id as a blob URL, fetched once with the bearer token. */
function useMediaUrl(type: MediaType, id: string, local: string | null | undefined): string | null {
  const source = useContext(MediaSourceContext);
  const wanted = !local && !!id && !!source && (type === "image" || type === "sticker");
  const [url, setUrl] = useState<string | null>(() => (wanted ? (source!.cache.peek(source!.channelId, id)?.url ?? null) : null));
  useEffect(() => {
    if (!wanted) return;
    let live = true;
    void source!.cache.get(source!.channelId, id).then((e) => {
      if (live) setUrl(e?.url ?? null);
    });
    return () => {
      live = false;
    };
  }, [wanted, source, id]);
  return local || url;
}

function Media({ type, content, localPreview, uploading }: { type: MediaType; content: unknown; localPreview?: string | null; uploading?: boolean }) {
  const { t, lang } = useI18n();
  const source = useContext(MediaSourceContext);
  const [downloading, setDownloading] = useState(false);
  const c = asObj(content);
  const id = str(c.id);
  const link = safeUrl(c.link) || safeUrl(c.url);
  const blobUrl = useMediaUrl(type, id, localPreview);
  const caption = str(c.caption);
  // Our own uploads are remembered by media id with the name of the file.
  const filename = str(c.filename) || (id && source ? (source.cache.filename(source.channelId, id) ?? "") : "");
  const size = num(c.file_size);
  const voice = type === "audio" && c.voice === true;
  const label = t(voice ? "msg.voice" : MEDIA_LABEL[type]);
  const shown = link || blobUrl;
  let preview = null;
  if (shown && (type === "image" || type === "sticker")) {
    preview = (
      <img
        src={shown}
        alt={caption || filename || label}
        loading="lazy"
        data-testid="media-image"
        className={`rounded-md ${type === "sticker" ? "h-32 w-32 object-contain" : "max-h-72 w-full object-cover"}`}
      />
    );
  } else if (link && type === "video") {
    preview = <video src={link} controls preload="metadata" className="max-h-72 w-full rounded-md" />;
  } else if (link && type === "audio") {
    preview = <audio src={link} controls preload="none" className="w-60 max-w-full" />;
  }

  /**
   * Fetches a file by id (with the bearer token) and saves it through a
   * download link: never opened in the page (the server sends files as
   * attachments, unsafe types as application/octet-stream).
   */
  async function download() {
    if (!source || !id) return;
    setDownloading(true);
    try {
      const entry = await source.cache.get(source.channelId, id);
      if (!entry) return;
      const a = document.createElement("a");
      a.href = entry.url;
      a.download = filename || entry.filename || `${type}-${id}`;
      a.rel = "noopener";
      a.style.display = "none";
      document.body.appendChild(a);
      a.click();
      a.remove();
    } finally {
      setDownloading(false);
    }
  }

  return (
    <div className="space-y-1" data-media-type={type} data-media-id={id || undefined}>
      {preview ?? (
        <div className="flex items-center gap-2 rounded-md bg-black/5 px-3 py-2">
          <span className="text-2xl" aria-hidden="true">
            {MEDIA_ICON[type]}
          </span>
          <div className="min-w-0">
            <div className="truncate font-medium" data-testid="media-filename">
              {filename || label}
            </div>
            {(str(c.mime_type) || size !== null) && (
              <div className="text-xs text-gray-500">{[str(c.mime_type), size !== null ? formatBytes(size, lang.locale) : ""].filter(Boolean).join(" · ")}</div>
            )}
          </div>
          {link && type === "document" && (
            <a href={link} target="_blank" rel="noopener noreferrer" download={filename || true} className="ml-auto text-sm text-brand-600 underline">
              ↓
            </a>
          )}
          {!link && id && source && !uploading && (
            <button
              type="button"
              onClick={() => void download()}
              disabled={downloading}
              className="ml-auto rounded px-1 text-sm text-brand-600 hover:bg-black/5 disabled:opacity-50"
              aria-label={t("msg.download")}
              title={t("msg.download")}
              data-testid="media-download"
            >
              ↓
            </button>
          )}
        </div>
      )}
      {preview && filename && (
        <div className="truncate text-xs text-gray-500" data-testid="media-filename">
          {filename}
        </div>
      )}
      {uploading && (
        <div className="text-xs text-gray-500" data-testid="media-uploading">
          {t("msg.uploading")}
        </div>
      )}
      <Text>{caption}</Text>
    </div>
  );
}

function Location({ content }: { content: unknown }) {
  const { t } = useI18n();
  const c = asObj(content);
  const lat = num(c.latitude);
  const lng = num(c.longitude);
  return (
    <div className="space-y-0.5">
      <div className="font-medium">📍 {str(c.name) || t("msg.location")}</div>
      {str(c.address) && <div className="text-sm text-gray-600">{str(c.address)}</div>}
      {lat !== null && lng !== null && (
        <div className="flex flex-wrap items-baseline gap-x-2 text-sm">
          <a
            className="font-medium text-brand-600 hover:underline"
            target="_blank"
            rel="noreferrer"
            href={`https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=16/${lat}/${lng}`}
          >
            {t("msg.openMap")} ↗
          </a>
          <span className="text-xs tabular-nums text-gray-500">
            {lat.toFixed(4)}, {lng.toFixed(4)}
          </span>
        </div>
      )}
    </div>
  );
}

function Contacts({ content }: { content: unknown }) {
  const list = sharedContacts(content);
  return (
    <ul className="space-y-1">
      {list.map((c, i) => (
        <li key={i} className="rounded-md bg-black/5 px-3 py-2">
          <div className="font-medium">👤 {c.name}</div>
          {c.phones.map((p) => (
            <div key={p} className="text-sm text-gray-600">
              {p}
            </div>
          ))}
        </li>
      ))}
    </ul>
  );
}

function Interactive({ content }: { content: unknown }) {
  const { t } = useI18n();
  const reply = interactiveReply(content);
  if (reply) {
    return (
      <div>
        {reply.kind === "nfm_reply" && <div className="text-xs text-gray-500">{t("msg.flowReply")}</div>}
        <div className="inline-flex items-center gap-1 font-medium">↩︎ {reply.title || reply.id}</div>
        {reply.description && reply.kind === "list_reply" && <div className="text-sm text-gray-600">{reply.description}</div>}
      </div>
    );
  }
  const p = interactivePrompt(content);
  return (
    <div className="space-y-1">
      {p.header && <div className="font-semibold">{p.header}</div>}
      <Text>{p.body}</Text>
      {p.footer && <div className="text-xs text-gray-500">{p.footer}</div>}
      {p.options.length > 0 && (
        <div className="flex flex-col gap-1 pt-1">
          {p.options.map((o, i) => (
            <span key={i} className="rounded-md border border-black/10 bg-white/60 px-2 py-1 text-center text-sm text-brand-700">
              {o}
            </span>
          ))}
        </div>
      )}
    </div>
  );
}

function Order({ content }: { content: unknown }) {
  const { t, lang } = useI18n();
  const o = orderSummary(content);
  let total = "";
  if (o.total !== null) {
    try {
      total = new Intl.NumberFormat(lang.locale, { style: "currency", currency: o.currency || "INR" }).format(o.total);
    } catch {
      total = `${o.total} ${o.currency}`;
    }
  }
  return (
    <div className="space-y-0.5">
      <div className="font-medium">🛒 {t("msg.order")}</div>
      <div className="text-sm">{t("msg.orderItems", { count: o.items })}</div>
      {total && <div className="text-sm">{t("msg.orderTotal", { total })}</div>}
      <Text>{o.text}</Text>
    </div>
  );
}

function TemplateMessage({ content, templates }: { content: unknown; templates: Template[] | null }) {
  const { t } = useI18n();
  const c = asObj(content);
  const name = str(c.name);
  const code = str(asObj(c.language).code) || str(c.language);
  const tpl = templates?.find((x) => x.name === name && (!code || x.language === code));
  const body = templateBody(tpl, c.components);
  return (
    <div className="space-y-1">
      <div className="text-xs text-gray-500">
        📋 {t("msg.template")}: <span className="font-mono">{name}</span>
        {code && ` (${code})`}
      </div>
      <Text>{body}</Text>
    </div>
  );
}

function Unsupported({ message }: { message: Message }) {
  const { t } = useI18n();
  const errors = asObj(message.content).errors;
  const first = Array.isArray(errors) ? asObj(errors[0]) : {};
  const title = message.errors?.[0]?.title || str(first.title);
  return (
    <div className="text-sm italic text-gray-600">
      ⚠️ {t("msg.unsupported")}
      {title && <span className="not-italic"> — {title}</span>}
      <div className="text-xs not-italic text-gray-500">{t("msg.unsupportedDetail")}</div>
    </div>
  );
}

/** The body of a bubble, for every stored message type. */
export function MessageContent({
  message,
  templates,
}: {
  message: Message & { localPreview?: string | null; uploading?: boolean };
  templates: Template[] | null;
}) {
  const { t } = useI18n();
  const c = asObj(message.content);
  const type = message.type;
  if (isErasedContent(message.content)) {
    return (
      <p className="text-sm italic text-gray-500" data-testid="message-erased">
        {t("msg.erased")}
      </p>
    );
  }
  if (type === "text") return <Text>{str(c.body) || (typeof message.content === "string" ? message.content : "")}</Text>;
  if (isMediaType(type)) return <Media type={type} content={message.content} localPreview={message.localPreview} uploading={message.uploading} />;
  switch (type) {
    case "location":
      return <Location content={message.content} />;
    case "contacts":
      return <Contacts content={message.content} />;
    case "interactive":
      return <Interactive content={message.content} />;
    case "button":
      return <div className="font-medium">↩︎ {str(c.text) || str(c.payload)}</div>;
    case "reaction":
      return <div className="text-sm text-gray-600">{t("msg.reactedTo", { emoji: str(c.emoji) })}</div>;
    case "order":
      return <Order content={message.content} />;
    case "template":
      return <TemplateMessage content={message.content} templates={templates} />;
    case "system":
      return <Text>{str(c.body) || str(c.type)}</Text>;
    default:
      return <Unsupported message={message} />;
  }
}
