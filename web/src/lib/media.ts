// Attachments: what WhatsApp calls a file (image, video, audio, document,
// sticker), the Cloud API object to send for an uploaded media id, and a small
// cache of media bytes as blob URLs for showing images in the thread.

import type { MediaType } from "./content";
import type { MediaObject, MessageSendData } from "./types";

export type { MediaObject };

/** `POST /channels/{id}/media` → 201. */
export interface UploadedMedia {
  id: string;
  type: MediaType;
  mime_type: string;
  file_size: number;
  filename: string;
}

/**
 * The message type a file will most likely be sent as (the server's upload
 * answer is authoritative): WebP images are stickers, other images images,
 * audio and video by their MIME family, anything else a document.
 */
export function mediaKindOf(mime: string): MediaType {
  const m = mime.split(";")[0]!.trim().toLowerCase();
  if (m === "image/webp") return "sticker";
  if (m.startsWith("image/")) return "image";
  if (m.startsWith("video/")) return "video";
  if (m.startsWith("audio/")) return "audio";
  return "document";
}

export function canCaption(kind: MediaType): boolean {
  return kind !== "audio" && kind !== "sticker";
}

/**
 * The object to send for an uploaded file: a caption where WhatsApp allows
 * one (not audio or stickers), the file name for documents. A caption that
 * cannot go with the file is returned as `extraText`, to send as a text.
 */
export function mediaMessage(
  kind: MediaType,
  id: string,
  caption: string,
  filename: string,
): { object: MediaObject; extraText: string | null } {
  const object: MediaObject = { id };
  const text = caption.trim();
  let extraText: string | null = null;
  if (text) {
    if (canCaption(kind)) object.caption = text;
    else extraText = text;
  }
  if (kind === "document" && filename.trim()) object.filename = filename.trim();
  return { object, extraText };
}

/** The `message:send` data (or REST body, without conversation_id) for a file. */
export function mediaSendData(conversationId: string, clientId: string, kind: MediaType, object: MediaObject): MessageSendData {
  return { conversation_id: conversationId, client_id: clientId, type: kind, [kind]: object } as MessageSendData;
}

/** "12 KB", "3.4 MB": a file size for people. */
export function formatBytes(n: number, locale = "en"): string {
  if (!Number.isFinite(n) || n < 0) return "";
  const units = ["B", "KB", "MB", "GB"];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  const digits = u === 0 || v >= 10 ? 0 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(v)} ${units[u]}`;
}

export interface MediaEntry {
  url: string;
  filename?: string;
}

export interface MediaCacheOptions {
  /**
   * Fetches the bytes of a media id of a channel, with the server's file
   * name for it when known (`Content-Disposition`). Documents come as
   * `application/octet-stream` attachments: they are saved through a link,
   * never opened in the page.
   */
  load: (channelId: string, mediaId: string) => Promise<Blob | { blob: Blob; filename?: string | null }>;
  createUrl?: (blob: Blob) => string;
  revokeUrl?: (url: string) => void;
  /** Entries kept; the oldest blob URLs are revoked past it. */
  max?: number;
}

/**
 * Blob URLs of media by channel and media id: one download per id (callers
 * share it), a failure remembered so a missing file is not fetched again and
 * again, and our own uploads seeded with the local file (no round trip).
 */
export class MediaCache {
  private readonly entries = new Map<string, MediaEntry>();
  private readonly inFlight = new Map<string, Promise<MediaEntry | null>>();
  private readonly failed = new Set<string>();
  private readonly names = new Map<string, string>();
  private readonly opts: Required<Omit<MediaCacheOptions, "load">> & Pick<MediaCacheOptions, "load">;

  constructor(opts: MediaCacheOptions) {
    this.opts = {
      load: opts.load,
      createUrl: opts.createUrl ?? ((b) => URL.createObjectURL(b)),
      revokeUrl: opts.revokeUrl ?? ((u) => URL.revokeObjectURL(u)),
      max: opts.max ?? 100,
    };
  }

  private key(channelId: string, mediaId: string): string {
    return `${channelId}/${mediaId}`;
  }

  /** What is known now (no download). */
  peek(channelId: string, mediaId: string): MediaEntry | undefined {
    return this.entries.get(this.key(channelId, mediaId));
  }

  /** The file name we uploaded under this id, if we did. */
  filename(channelId: string, mediaId: string): string | undefined {
    return this.names.get(this.key(channelId, mediaId));
  }

  /** Remembers the name of a file we uploaded under this id (its bytes are not kept). */
  setFilename(channelId: string, mediaId: string, filename: string): void {
    if (filename) this.names.set(this.key(channelId, mediaId), filename);
  }

  /** Our own upload: its bytes are the file we just picked (`url`: a blob URL of it we already made, now the cache's). */
  seed(channelId: string, mediaId: string, file: Blob, filename?: string, url?: string | null): void {
    const k = this.key(channelId, mediaId);
    if (filename) this.names.set(k, filename);
    this.failed.delete(k);
    this.put(k, { url: url || this.opts.createUrl(file), ...(filename ? { filename } : {}) });
  }

  /** The media's blob URL, downloading it once; null when it cannot be had. */
  get(channelId: string, mediaId: string): Promise<MediaEntry | null> {
    const k = this.key(channelId, mediaId);
    const known = this.entries.get(k);
    if (known) return Promise.resolve(known);
    if (this.failed.has(k)) return Promise.resolve(null);
    let p = this.inFlight.get(k);
    if (!p) {
      p = this.opts
        .load(channelId, mediaId)
        .then((loaded) => {
          const { blob, filename: served } = loaded instanceof Blob ? { blob: loaded, filename: null } : loaded;
          // The name we uploaded it under wins over the server's.
          const filename = this.names.get(k) || served || undefined;
          const entry: MediaEntry = { url: this.opts.createUrl(blob), ...(filename ? { filename } : {}) };
          this.put(k, entry);
          return entry;
        })
        .catch(() => {
          this.failed.add(k);
          return null;
        })
        .finally(() => this.inFlight.delete(k));
      this.inFlight.set(k, p);
    }
    return p;
  }

  /** Drops every blob URL (sign-out). */
  clear(): void {
    for (const e of this.entries.values()) this.opts.revokeUrl(e.url);
    this.entries.clear();
    this.failed.clear();
    this.names.clear();
  }

  private put(k: string, entry: MediaEntry): void {
    const prior = this.entries.get(k);
    if (prior) this.opts.revokeUrl(prior.url);
    this.entries.delete(k);
    this.entries.set(k, entry);
    while (this.entries.size > this.opts.max) {
      const [oldest, e] = this.entries.entries().next().value as [string, MediaEntry];
      this.opts.revokeUrl(e.url);
      this.entries.delete(oldest);
    }
  }
}
