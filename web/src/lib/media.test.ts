import { describe, expect, it } from "vitest";
import { formatBytes, MediaCache, mediaKindOf, mediaMessage, mediaSendData } from "./media";

describe("mediaKindOf", () => {
  it("guesses the message type from the MIME type", () => {
    expect(mediaKindOf("image/png")).toBe("image");
    expect(mediaKindOf("IMAGE/JPEG")).toBe("image");
    expect(mediaKindOf("image/webp")).toBe("sticker");
    expect(mediaKindOf("audio/ogg; codecs=opus")).toBe("audio");
    expect(mediaKindOf("video/mp4")).toBe("video");
    expect(mediaKindOf("application/pdf")).toBe("document");
    expect(mediaKindOf("")).toBe("document");
  });
});

describe("mediaMessage", () => {
  it("captions images, videos and documents; names documents", () => {
    expect(mediaMessage("image", "m1", "  look ", "a.png")).toEqual({ object: { id: "m1", caption: "look" }, extraText: null });
    expect(mediaMessage("document", "m2", "", "invoice.pdf")).toEqual({ object: { id: "m2", filename: "invoice.pdf" }, extraText: null });
    expect(mediaMessage("video", "m3", "", "v.mp4")).toEqual({ object: { id: "m3" }, extraText: null });
  });

  it("never captions audio or stickers: the text goes separately", () => {
    expect(mediaMessage("audio", "m4", "listen", "a.ogg")).toEqual({ object: { id: "m4" }, extraText: "listen" });
    expect(mediaMessage("sticker", "m5", "", "s.webp")).toEqual({ object: { id: "m5" }, extraText: null });
  });
});

describe("formatBytes", () => {
  it("uses decimal units", () => {
    expect(formatBytes(68)).toBe("68 B");
    expect(formatBytes(1_500)).toBe("1.5 KB");
    expect(formatBytes(12_345)).toBe("12 KB");
    expect(formatBytes(3_400_000)).toBe("3.4 MB");
  });
});

describe("MediaCache", () => {
  function setup(load: (c: string, m: string) => Promise<Blob | { blob: Blob; filename?: string | null }>, max = 100) {
    let n = 0;
    const revoked: string[] = [];
    const cache = new MediaCache({ load, createUrl: () => `blob:${++n}`, revokeUrl: (u) => revoked.push(u), max });
    return { cache, revoked };
  }

  it("downloads a media id once, callers share it", async () => {
    let loads = 0;
    const { cache } = setup(async () => {
      loads++;
      return new Blob(["x"]);
    });
    const [a, b] = await Promise.all([cache.get("ch", "m1"), cache.get("ch", "m1")]);
    expect(a?.url).toBe("blob:1");
    expect(b?.url).toBe("blob:1");
    expect((await cache.get("ch", "m1"))?.url).toBe("blob:1");
    expect(loads).toBe(1);
  });

  it("keeps the server's file name of a download, unless we uploaded it under another", async () => {
    const { cache } = setup(async (_c, m) => ({ blob: new Blob(["%PDF"], { type: "application/octet-stream" }), filename: `${m}.pdf` }));
    expect(await cache.get("ch", "d1")).toEqual({ url: "blob:1", filename: "d1.pdf" });
    cache.setFilename("ch", "d2", "mine.pdf");
    expect(await cache.get("ch", "d2")).toEqual({ url: "blob:2", filename: "mine.pdf" });
  });

  it("remembers a failure instead of fetching again", async () => {
    let loads = 0;
    const { cache } = setup(async () => {
      loads++;
      throw new Error("404");
    });
    expect(await cache.get("ch", "gone")).toBeNull();
    expect(await cache.get("ch", "gone")).toBeNull();
    expect(loads).toBe(1);
  });

  it("serves our own upload from the picked file, with its name", async () => {
    const { cache } = setup(async () => {
      throw new Error("not needed");
    });
    cache.seed("ch", "m9", new Blob(["png"]), "dot.png");
    expect(await cache.get("ch", "m9")).toEqual({ url: "blob:1", filename: "dot.png" });
    expect(cache.filename("ch", "m9")).toBe("dot.png");
    expect(cache.peek("ch", "other")).toBeUndefined();
    cache.seed("ch", "m10", new Blob(["png"]), "b.png", "blob:picked");
    expect(cache.peek("ch", "m10")?.url).toBe("blob:picked");
  });

  it("revokes the oldest blob URLs past its size", async () => {
    const { cache, revoked } = setup(async () => new Blob(["x"]), 2);
    await cache.get("ch", "a");
    await cache.get("ch", "b");
    await cache.get("ch", "c");
    expect(revoked).toEqual(["blob:1"]);
    expect(cache.peek("ch", "a")).toBeUndefined();
    cache.clear();
    expect(revoked.sort()).toEqual(["blob:1", "blob:2", "blob:3"]);
  });
});

describe("mediaSendData", () => {
  it("puts the object under its type, as the Cloud API does", () => {
    expect(mediaSendData("c1", "k1", "document", { id: "m1", filename: "a.pdf" })).toEqual({
      conversation_id: "c1",
      client_id: "k1",
      type: "document",
      document: { id: "m1", filename: "a.pdf" },
    });
  });
});
