import { describe, expect, it } from "vitest";
import { channelLabel, phoneFromQuery, samePhone } from "./startChat";

describe("starting a chat", () => {
  it("reads a phone number typed in the search", () => {
    expect(phoneFromQuery("+91 98765 43210")).toBe("+919876543210");
    expect(phoneFromQuery("(555) 010-9999")).toBe("+5550109999");
    expect(phoneFromQuery("919876543210")).toBe("+919876543210");
    expect(phoneFromQuery("Priya")).toBeNull();
    expect(phoneFromQuery("1234")).toBeNull();
    expect(phoneFromQuery("+1234567890123456")).toBeNull();
    expect(phoneFromQuery("")).toBeNull();
  });

  it("compares phone numbers by digits", () => {
    expect(samePhone("+91 98765 43210", "919876543210")).toBe(true);
    expect(samePhone("+1", "+2")).toBe(false);
    expect(samePhone(null, "")).toBe(false);
  });

  it("names a number", () => {
    expect(channelLabel({ name: "Support", display_phone_number: "+1 555 0100", phone_number_id: "1" })).toBe("Support · +1 555 0100");
    expect(channelLabel({ name: null, display_phone_number: "", phone_number_id: "123" })).toBe("123");
  });
});
