//! WhatsApp media rules: which MIME types each message type accepts and how
//! large they may be (Meta's Cloud API limits).

/// A media type's kind and largest size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaRule {
    /// The message type that carries it (`image`, `audio`, …).
    pub kind: &'static str,
    /// Largest file Meta accepts.
    pub max_bytes: usize,
}

const RULES: &[(&str, &str, usize)] = &[
    ("image/jpeg", "image", 5_000_000),
    ("image/png", "image", 5_000_000),
    ("image/webp", "sticker", 500_000),
    ("audio/aac", "audio", 16_000_000),
    ("audio/amr", "audio", 16_000_000),
    ("audio/mpeg", "audio", 16_000_000),
    ("audio/mp4", "audio", 16_000_000),
    ("audio/ogg", "audio", 16_000_000),
    ("video/mp4", "video", 16_000_000),
    ("video/3gpp", "video", 16_000_000),
    ("text/plain", "document", 100_000_000),
    ("application/pdf", "document", 100_000_000),
    ("application/msword", "document", 100_000_000),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document", 100_000_000),
    ("application/vnd.ms-excel", "document", 100_000_000),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "document", 100_000_000),
    ("application/vnd.ms-powerpoint", "document", 100_000_000),
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "document", 100_000_000),
];

/// The rule for a MIME type (parameters such as `; codecs=opus` ignored).
pub fn rule(mime: &str) -> Option<MediaRule> {
    let base = mime.split(';').next().unwrap_or("").trim().to_lowercase();
    RULES.iter().find(|(m, _, _)| *m == base).map(|(_, kind, max)| MediaRule { kind, max_bytes: *max })
}

/// The largest file of any type.
pub const MAX_MEDIA_BYTES: usize = 100_000_000;

/// Supported MIME types, for error messages.
pub fn supported() -> String {
    RULES.iter().map(|(m, _, _)| *m).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn mime_types_map_to_kinds_and_limits() {
        assert_eq!(super::rule("image/JPEG").map(|r| r.kind), Some("image"));
        assert_eq!(super::rule("audio/ogg; codecs=opus").map(|r| r.max_bytes), Some(16_000_000));
        assert_eq!(super::rule("image/gif"), None);
    }
}
