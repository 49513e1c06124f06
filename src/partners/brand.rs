//! A partner's brand: what a partner may set (validated here), what the web
//! app, mails and invoices show for a host, and the platform's own brand
//! for every other host.

use base64::Engine;
use serde::{Deserialize, Serialize};

/// The platform's product name (unknown hosts, suspended partners).
pub const PLATFORM_NAME: &str = "whatsflow";
/// The platform's primary colour (the web app's brand-600).
pub const PLATFORM_PRIMARY: &str = "#0f7a6e";
/// The platform's accent colour (the web app's brand-700).
pub const PLATFORM_ACCENT: &str = "#075e54";
/// The largest logo or favicon, decoded.
pub const MAX_IMAGE_BYTES: usize = 256 * 1024;

/// A brand's two colours, as `#rrggbb`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct BrandColors {
    /// Buttons, links, the sidebar's accent.
    pub primary: String,
    /// Headers and hovers.
    pub accent: String,
}

/// What a partner stores of its brand (the images apart).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandSettings {
    /// The product's name in titles, the sidebar, mails and invoices.
    pub product_name: Option<String>,
    /// Its colours.
    pub colors: Option<BrandColors>,
    /// Where its clients write for help.
    pub support_email: Option<String>,
    /// Its help pages.
    pub support_url: Option<String>,
    /// Its terms of service.
    pub terms_url: Option<String>,
    /// Its privacy policy.
    pub privacy_url: Option<String>,
}

/// The brand a host shows (`GET /api/v1/branding`): before sign-in, so it
/// carries nothing private.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Branding {
    /// The product's name.
    pub product_name: String,
    /// A same-origin URL of the logo, when there is one.
    pub logo_url: Option<String>,
    /// A same-origin URL of the favicon, when there is one.
    pub favicon_url: Option<String>,
    /// Its colours.
    pub colors: BrandColors,
    /// Where to write for help.
    pub support_email: Option<String>,
    /// Help pages.
    pub support_url: Option<String>,
    /// Terms of service.
    pub terms_url: Option<String>,
    /// Privacy policy.
    pub privacy_url: Option<String>,
    /// The partner whose brand it is (none: the platform's).
    pub partner_id: Option<uuid::Uuid>,
}

impl Branding {
    /// The platform's own brand.
    pub fn platform() -> Self {
        Self {
            product_name: PLATFORM_NAME.into(),
            logo_url: None,
            favicon_url: None,
            colors: BrandColors { primary: PLATFORM_PRIMARY.into(), accent: PLATFORM_ACCENT.into() },
            support_email: None,
            support_url: None,
            terms_url: None,
            privacy_url: None,
            partner_id: None,
        }
    }

    /// A partner's brand: its settings over the platform's defaults; the
    /// image URLs carry a version so a changed logo is fetched again.
    pub fn of_partner(
        partner: uuid::Uuid,
        name: &str,
        s: &BrandSettings,
        logo_version: Option<&str>,
        favicon_version: Option<&str>,
    ) -> Self {
        let platform = Self::platform();
        Self {
            product_name: s.product_name.clone().unwrap_or_else(|| name.to_owned()),
            logo_url: logo_version.map(|v| format!("/api/v1/branding/logo?v={v}")),
            favicon_url: favicon_version.map(|v| format!("/api/v1/branding/favicon?v={v}")),
            colors: s.colors.clone().unwrap_or(platform.colors),
            support_email: s.support_email.clone(),
            support_url: s.support_url.clone(),
            terms_url: s.terms_url.clone(),
            privacy_url: s.privacy_url.clone(),
            partner_id: Some(partner),
        }
    }
}

/// An image a partner uploaded: its bytes and content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandImage {
    /// The decoded bytes.
    pub bytes: Vec<u8>,
    /// `image/png`, `image/jpeg`, `image/webp` or `image/x-icon`.
    pub content_type: &'static str,
}

/// Reads a `data:` URL of a PNG, JPEG, WebP or ICO image (SVG is refused:
/// it can carry script), checking the bytes are what the type says.
pub fn image_from_data_url(field: &str, url: &str) -> Result<BrandImage, String> {
    let rest = url.strip_prefix("data:").ok_or_else(|| format!("`{field}` must be a data URL (data:image/png;base64,…)"))?;
    let (meta, data) = rest.split_once(',').ok_or_else(|| format!("`{field}` is not a data URL"))?;
    let mime = meta.strip_suffix(";base64").ok_or_else(|| format!("`{field}` must be base64-encoded (data:image/png;base64,…)"))?;
    let content_type: &'static str = match mime.to_ascii_lowercase().as_str() {
        "image/png" => "image/png",
        "image/jpeg" | "image/jpg" => "image/jpeg",
        "image/webp" => "image/webp",
        "image/x-icon" | "image/vnd.microsoft.icon" => "image/x-icon",
        other => return Err(format!("`{field}` must be a PNG, JPEG, WebP or ICO image, not {other:?}")),
    };
    if data.len() > MAX_IMAGE_BYTES * 4 / 3 + 4 {
        return Err(format!("`{field}` is larger than {} KiB", MAX_IMAGE_BYTES / 1024));
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(data.trim()).map_err(|_| format!("`{field}` is not valid base64"))?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(format!("`{field}` is larger than {} KiB", MAX_IMAGE_BYTES / 1024));
    }
    let magic_ok = match content_type {
        "image/png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/webp" => bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
        _ => bytes.starts_with(&[0, 0, 1, 0]) || bytes.starts_with(b"\x89PNG"),
    };
    if !magic_ok {
        return Err(format!("`{field}` does not hold a {content_type} image"));
    }
    Ok(BrandImage { bytes, content_type })
}

/// Checks what a partner sets, naming the first wrong field.
pub fn validate(s: &BrandSettings) -> Result<(), String> {
    if let Some(name) = &s.product_name {
        let n = name.trim().chars().count();
        if n == 0 || n > 60 {
            return Err("`product_name` must be 1 to 60 characters".into());
        }
        if name.chars().any(char::is_control) {
            return Err("`product_name` must be plain text on one line".into());
        }
    }
    if let Some(c) = &s.colors {
        for (field, v) in [("colors.primary", &c.primary), ("colors.accent", &c.accent)] {
            if !is_hex_colour(v) {
                return Err(format!("`{field}` must be a colour like #0f7a6e, not {v:?}"));
            }
        }
    }
    if let Some(e) = &s.support_email {
        if e.len() > 254 || !e.contains('@') || e.contains(char::is_whitespace) {
            return Err("`support_email` is not an email address".into());
        }
    }
    for (field, v) in [("support_url", &s.support_url), ("terms_url", &s.terms_url), ("privacy_url", &s.privacy_url)] {
        if let Some(u) = v {
            let ok = u.len() <= 500 && url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "https" | "http") && p.host_str().is_some());
            if !ok {
                return Err(format!("`{field}` must be an http(s) address like https://example.com/help"));
            }
        }
    }
    Ok(())
}

/// `#rrggbb`.
fn is_hex_colour(v: &str) -> bool {
    v.len() == 7 && v.starts_with('#') && v[1..].chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_must_be_what_they_claim() {
        let png = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\nrest"));
        assert_eq!(image_from_data_url("logo", &png).unwrap().content_type, "image/png");
        let fake = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(b"<svg/>"));
        assert!(image_from_data_url("logo", &fake).unwrap_err().contains("does not hold"));
        assert!(image_from_data_url("logo", "data:image/svg+xml;base64,PHN2Zy8+").unwrap_err().contains("PNG, JPEG"));
        assert!(image_from_data_url("logo", "https://x/logo.png").is_err());
        let big = format!("data:image/png;base64,{}", "A".repeat(MAX_IMAGE_BYTES * 2));
        assert!(image_from_data_url("logo", &big).unwrap_err().contains("KiB"));
    }

    #[test]
    fn settings_are_checked_field_by_field() {
        let ok = BrandSettings {
            product_name: Some("Acme Chat".into()),
            colors: Some(BrandColors { primary: "#112233".into(), accent: "#AABBCC".into() }),
            support_email: Some("help@acme.in".into()),
            support_url: Some("https://acme.in/help".into()),
            ..BrandSettings::default()
        };
        assert!(validate(&ok).is_ok());
        let bad_colour = BrandSettings { colors: Some(BrandColors { primary: "red".into(), accent: "#000000".into() }), ..ok.clone() };
        assert!(validate(&bad_colour).unwrap_err().contains("colors.primary"));
        let script = BrandSettings { terms_url: Some("javascript:alert(1)".into()), ..ok.clone() };
        assert!(validate(&script).unwrap_err().contains("terms_url"));
        let newline = BrandSettings { product_name: Some("Acme\nBcc: x".into()), ..ok.clone() };
        assert!(validate(&newline).unwrap_err().contains("one line"));
        let long = BrandSettings { product_name: Some("x".repeat(61)), ..ok };
        assert!(validate(&long).unwrap_err().contains("product_name"));
    }
}
