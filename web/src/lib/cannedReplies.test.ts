import { describe, expect, it } from "vitest";
import {
  attachmentLabel,
  canManageReply,
  cannedSendSteps,
  CAPTION_MAX,
  isHttpLink,
  matchCannedReplies,
  moveActive,
  normalizeShortcut,
  replaceToken,
  shortcutProblem,
  slashTokenAt,
  stepBody,
} from "./cannedReplies";

const r = (shortcut: string, text: string) => ({ shortcut, text });

describe("the slash token under the caret", () => {
  it("opens at the start of the input and after a space", () => {
    expect(slashTokenAt("/tha", 4)).toEqual({ start: 0, end: 4, query: "tha" });
    expect(slashTokenAt("hi /", 4)).toEqual({ start: 3, end: 4, query: "" });
    expect(slashTokenAt("hello\n/ad", 9)).toEqual({ start: 6, end: 9, query: "ad" });
  });
  it("reads capitals as lowercase and runs on past the caret", () => {
    expect(slashTokenAt("/ThAnks", 3)).toEqual({ start: 0, end: 7, query: "th" });
    expect(slashTokenAt("/thanks more", 3)).toEqual({ start: 0, end: 7, query: "th" });
  });
  it("stays closed inside words, URLs and after a space in the query", () => {
    expect(slashTokenAt("and/or", 6)).toBeNull();
    expect(slashTokenAt("see https://x.io/a", 18)).toBeNull();
    expect(slashTokenAt("/hi there", 9)).toBeNull();
    expect(slashTokenAt("/hi!", 4)).toBeNull();
    expect(slashTokenAt("no slash", 8)).toBeNull();
    expect(slashTokenAt("", 0)).toBeNull();
  });
  it("keeps the caret inside the text", () => {
    expect(slashTokenAt("/a", 99)).toEqual({ start: 0, end: 2, query: "a" });
  });
});

describe("matching replies", () => {
  const replies = [r("thanks", "Thanks, we are on it"), r("address", "Our address is …"), r("hours", "We open at 9; thanks for asking"), r("th-later", "Talk later")];
  it("puts shortcut prefixes first, by shortcut, then text or shortcut contains", () => {
    expect(matchCannedReplies(replies, "th").map((x) => x.shortcut)).toEqual(["th-later", "thanks", "hours"]);
    expect(matchCannedReplies(replies, "thanks").map((x) => x.shortcut)).toEqual(["thanks", "hours"]);
    expect(matchCannedReplies(replies, "later").map((x) => x.shortcut)).toEqual(["th-later"]);
  });
  it("lists everything by shortcut for an empty query, and honours the limit", () => {
    expect(matchCannedReplies(replies, "").map((x) => x.shortcut)).toEqual(["address", "hours", "th-later", "thanks"]);
    expect(matchCannedReplies(replies, "", 2)).toHaveLength(2);
  });
  it("ignores case and a leading slash", () => {
    expect(matchCannedReplies(replies, "/ADDR").map((x) => x.shortcut)).toEqual(["address"]);
    expect(matchCannedReplies(replies, "OPEN AT").map((x) => x.shortcut)).toEqual(["hours"]);
  });
  it("finds nothing for a query nothing holds", () => {
    expect(matchCannedReplies(replies, "zzz")).toEqual([]);
  });
});

describe("choosing a reply", () => {
  it("replaces the token and puts the caret after the text", () => {
    const text = "Hi /tha";
    const token = slashTokenAt(text, text.length)!;
    expect(replaceToken(text, token, "Thanks Asha, we are on it!")).toEqual({ text: "Hi Thanks Asha, we are on it!", caret: 29 });
    expect(replaceToken("/x rest", { start: 0, end: 2 }, "Done")).toEqual({ text: "Done rest", caret: 4 });
  });
  it("moves the highlight round the list", () => {
    expect(moveActive(0, 1, 3)).toBe(1);
    expect(moveActive(2, 1, 3)).toBe(0);
    expect(moveActive(0, -1, 3)).toBe(2);
    expect(moveActive(-1, 1, 3)).toBe(0);
    expect(moveActive(-1, -1, 3)).toBe(2);
    expect(moveActive(0, 1, 0)).toBe(-1);
  });
});

describe("shortcuts", () => {
  it("are typed without the slash, in lowercase", () => {
    expect(normalizeShortcut("  /Thanks ")).toBe("thanks");
    expect(normalizeShortcut("//a")).toBe("a");
  });
  it("hold 1 to 32 lowercase letters, digits, _ and -, starting with a letter or digit", () => {
    expect(shortcutProblem("thanks_2-u")).toBeNull();
    expect(shortcutProblem("")).toBe("empty");
    expect(shortcutProblem("a".repeat(33))).toBe("long");
    expect(shortcutProblem("two words")).toBe("chars");
    expect(shortcutProblem("héllo")).toBe("chars");
    expect(shortcutProblem("-x")).toBe("chars");
    expect(shortcutProblem("9-to_5")).toBeNull();
  });
});

describe("sending a reply with an attachment", () => {
  it("captions an image, video or document with the words", () => {
    expect(cannedSendSteps({ type: "image", link: "https://x.io/a.png" }, " Hi ")).toEqual([{ type: "image", object: { link: "https://x.io/a.png", caption: "Hi" } }]);
    expect(cannedSendSteps({ type: "document", link: "https://x.io/p.pdf", filename: "Price list.pdf" }, "Here")).toEqual([
      { type: "document", object: { link: "https://x.io/p.pdf", caption: "Here", filename: "Price list.pdf" } },
    ]);
  });
  it("sends audio's words first, and words too long for a caption first", () => {
    expect(cannedSendSteps({ type: "audio", link: "https://x.io/a.ogg", filename: "a.ogg" }, "Listen")).toEqual([
      { type: "text", text: { body: "Listen" } },
      { type: "audio", object: { link: "https://x.io/a.ogg" } },
    ]);
    const long = "x".repeat(CAPTION_MAX + 1);
    expect(cannedSendSteps({ type: "video", link: "https://x.io/v.mp4" }, long)).toEqual([
      { type: "text", text: { body: long } },
      { type: "video", object: { link: "https://x.io/v.mp4" } },
    ]);
  });
  it("sends the file alone without words, with the Cloud API body", () => {
    const [step] = cannedSendSteps({ type: "image", link: "https://x.io/a.png", filename: "a.png" }, "  ");
    expect(stepBody(step!, "c1")).toEqual({ type: "image", image: { link: "https://x.io/a.png" }, client_id: "c1" });
    expect(stepBody({ type: "text", text: { body: "Hi" } }, "c2")).toEqual({ type: "text", text: { body: "Hi" }, client_id: "c2" });
  });
  it("names attachments and checks links", () => {
    expect(attachmentLabel({ link: "https://x.io/files/Price%20list.pdf" })).toBe("Price list.pdf");
    expect(attachmentLabel({ link: "https://x.io/a.pdf", filename: " Menu.pdf " })).toBe("Menu.pdf");
    expect(attachmentLabel({ link: "not a url" })).toBe("not a url");
    expect(isHttpLink("https://x.io/a.png")).toBe(true);
    expect(isHttpLink("ftp://x.io/a.png")).toBe(false);
    expect(isHttpLink("javascript:alert(1)")).toBe(false);
  });
});

describe("who manages a reply", () => {
  it("lets admins manage shared replies and everyone their own personal ones", () => {
    expect(canManageReply({ scope: "shared", owner_id: null }, "u1", true)).toBe(true);
    expect(canManageReply({ scope: "shared", owner_id: null }, "u1", false)).toBe(false);
    expect(canManageReply({ scope: "personal", owner_id: "u1" }, "u1", false)).toBe(true);
    expect(canManageReply({ scope: "personal", owner_id: "u2" }, "u1", true)).toBe(false);
  });
});
