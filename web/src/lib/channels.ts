// A connected number's standing with Meta, for people: its quality rating
// (from `phone_number_quality_update` webhooks and reads of the number) and
// its messaging tier (how many customers a day it may start conversations
// with), each with a tone and words; null when Meta has not reported it yet.

import type { MessageKey } from "../i18n/translate";

export type QualityTone = "green" | "amber" | "red" | "gray";

/** A quality rating's words and colour. */
export function qualityOf(rating: string | null | undefined): { key: MessageKey; tone: QualityTone } {
  switch ((rating ?? "").toUpperCase()) {
    case "GREEN":
      return { key: "channels.quality.GREEN", tone: "green" };
    case "YELLOW":
      return { key: "channels.quality.YELLOW", tone: "amber" };
    case "RED":
      return { key: "channels.quality.RED", tone: "red" };
    case "UNKNOWN":
      return { key: "channels.quality.UNKNOWN", tone: "gray" };
    default:
      return { key: "channels.notReported", tone: "gray" };
  }
}

const TIERS: Record<string, MessageKey> = {
  TIER_50: "channels.tier.TIER_50",
  TIER_250: "channels.tier.TIER_250",
  TIER_1K: "channels.tier.TIER_1K",
  TIER_10K: "channels.tier.TIER_10K",
  TIER_100K: "channels.tier.TIER_100K",
  TIER_UNLIMITED: "channels.tier.TIER_UNLIMITED",
};

/** A messaging tier's words; `raw` is set for a tier this app does not know (shown as Meta names it). */
export function tierOf(tier: string | null | undefined): { key: MessageKey; raw: string | null } {
  if (!tier) return { key: "channels.notReported", raw: null };
  const key = TIERS[tier.toUpperCase()];
  return key ? { key, raw: null } : { key: "channels.tier.other", raw: tier };
}

/** The send rate a person may set (the server's bounds). */
export const MPS_MIN = 1;
export const MPS_MAX = 1000;

/** A typed send rate, or null when it is not a whole number from 1 to 1000. */
export function parseRate(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n >= MPS_MIN && n <= MPS_MAX ? n : null;
}

const EVENTS: Record<string, MessageKey> = {
  FLAGGED: "channels.event.FLAGGED",
  UNFLAGGED: "channels.event.UNFLAGGED",
  UPGRADE: "channels.event.UPGRADE",
  DOWNGRADE: "channels.event.DOWNGRADE",
  ONBOARDING: "channels.event.ONBOARDING",
  THROUGHPUT_UPGRADE: "channels.event.THROUGHPUT_UPGRADE",
};

/** Meta's latest quality event in words (null when none, or one this app does not know). */
export function qualityEventOf(event: string | null | undefined): MessageKey | null {
  return event ? (EVENTS[event.toUpperCase()] ?? null) : null;
}
