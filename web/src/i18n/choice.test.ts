import { describe, expect, it } from "vitest";
import { findLanguage, initialLanguage, userLanguageToApply } from "./choice";

describe("initialLanguage", () => {
  it("prefers the language picked on this device", () => {
    expect(initialLanguage("ta", ["bn-IN", "en"]).code).toBe("ta");
  });

  it("falls back to the first browser language the app offers", () => {
    expect(initialLanguage(null, ["fr-FR", "bn-IN", "hi"]).code).toBe("bn");
    expect(initialLanguage(undefined, ["TA_in"]).code).toBe("ta");
  });

  it("ignores a stored code the app no longer offers", () => {
    expect(initialLanguage("xx", ["hi-IN"]).code).toBe("hi");
  });

  it("ends at English", () => {
    expect(initialLanguage(null, []).code).toBe("en");
    expect(initialLanguage("", ["fr", "de-DE"]).code).toBe("en");
  });
});

describe("userLanguageToApply", () => {
  it("switches to the language the signed-in person saved", () => {
    expect(userLanguageToApply("bn", "en")).toBe("bn");
    expect(userLanguageToApply("ta", "hi")).toBe("ta");
  });

  it("does nothing when it already shows", () => {
    expect(userLanguageToApply("ta", "ta")).toBeNull();
  });

  it("keeps the device's choice when none is saved or the saved one is not offered", () => {
    expect(userLanguageToApply(null, "hi")).toBeNull();
    expect(userLanguageToApply(undefined, "hi")).toBeNull();
    expect(userLanguageToApply("", "hi")).toBeNull();
    expect(userLanguageToApply("mr", "hi")).toBeNull();
  });
});

describe("findLanguage", () => {
  it("knows the offered languages by code", () => {
    expect(findLanguage("ta")?.locale).toBe("ta-IN");
    expect(findLanguage("bn")?.label).toBe("বাংলা");
    expect(findLanguage("xx")).toBeUndefined();
    expect(findLanguage(null)).toBeUndefined();
  });
});
