//! Attachments: which files may be sent, how large, and how they are named in previews. The
//! server checks an upload against these before it signs anything; the app asks the same
//! functions before it starts one.

use crate::model::{Attachment, AttachmentKind};
use crate::validate::ValidationError;

/// Attachments on one message.
pub const ATTACHMENTS_MAX: usize = 10;
/// The largest file of each kind, in bytes.
pub const IMAGE_MAX_BYTES: u64 = 25 * 1024 * 1024;
pub const VIDEO_MAX_BYTES: u64 = 200 * 1024 * 1024;
pub const FILE_MAX_BYTES: u64 = 25 * 1024 * 1024;
pub const VOICE_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// The longest voice note, in milliseconds (5 minutes).
pub const VOICE_MAX_MS: u32 = 5 * 60 * 1000;
/// The longest video or voice duration recorded with an upload (a day: anything longer is
/// not a real duration).
pub const DURATION_MAX_MS: u32 = 24 * 3600 * 1000;
/// Bars of a voice note's waveform (each 0 to 255).
pub const WAVEFORM_MAX: usize = 64;
/// A thumbnail or poster frame made in the browser.
pub const THUMBNAIL_MAX_BYTES: u64 = 256 * 1024;
/// Largest width or height given for an image or video.
pub const DIMENSION_MAX: u32 = 50_000;
/// A file's name, in characters.
pub const FILE_NAME_MAX_CHARS: usize = 200;

/// Images shown inline.
pub const IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png", "image/gif", "image/webp"];
/// Videos played inline.
pub const VIDEO_TYPES: &[&str] = &["video/mp4", "video/webm", "video/quicktime"];
/// What a voice note is recorded as: Opus in WebM or Ogg, or AAC in MP4 where the browser
/// records only that.
pub const VOICE_TYPES: &[&str] = &["audio/webm", "audio/ogg", "audio/mp4", "audio/aac"];
/// Other files, sent as cards to download.
pub const FILE_TYPES: &[&str] = &[
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/zip",
    "audio/mpeg",
    "audio/mp4",
    "audio/wav",
];
/// Thumbnails and poster frames.
pub const THUMBNAIL_TYPES: &[&str] = &["image/jpeg", "image/webp", "image/png"];

/// The kind an upload of `content_type` is, or `None` when that type is not allowed.
/// `voice` marks a recording made in the composer.
pub fn kind_of(content_type: &str, voice: bool) -> Option<AttachmentKind> {
    let ct = content_type.trim().to_ascii_lowercase();
    let ct = ct.split(';').next().unwrap_or_default().trim();
    if voice {
        return VOICE_TYPES.contains(&ct).then_some(AttachmentKind::Voice);
    }
    if IMAGE_TYPES.contains(&ct) {
        Some(AttachmentKind::Image)
    } else if VIDEO_TYPES.contains(&ct) {
        Some(AttachmentKind::Video)
    } else if FILE_TYPES.contains(&ct) {
        Some(AttachmentKind::File)
    } else {
        None
    }
}

/// The largest file of a kind.
pub fn max_bytes(kind: AttachmentKind) -> u64 {
    match kind {
        AttachmentKind::Image => IMAGE_MAX_BYTES,
        AttachmentKind::Video => VIDEO_MAX_BYTES,
        AttachmentKind::File => FILE_MAX_BYTES,
        AttachmentKind::Voice => VOICE_MAX_BYTES,
    }
}

/// Checks what is about to be uploaded: an allowed type of its kind, not empty, not over its
/// kind's limit. Returns the kind and the type as stored (lower case, no parameters).
pub fn check_file(
    content_type: &str,
    size: u64,
    voice: bool,
) -> Result<(AttachmentKind, String), ValidationError> {
    let kind = kind_of(content_type, voice).ok_or_else(|| {
        ValidationError::new(
            "upload.type_not_allowed",
            if voice {
                format!("A voice note is recorded as {}.", VOICE_TYPES.join(", "))
            } else {
                "This kind of file cannot be sent: photos, videos, PDFs, documents, spreadsheets, \
                 presentations, text, zip and audio files can."
                    .to_owned()
            },
        )
    })?;
    if size == 0 {
        return Err(ValidationError::new("upload.empty", "The file is empty."));
    }
    let max = max_bytes(kind);
    if size > max {
        return Err(ValidationError::new(
            "upload.too_large",
            format!(
                "{} can be at most {}; this one is {}.",
                kind_name(kind),
                format_size(max),
                format_size(size)
            ),
        ));
    }
    let ct = content_type.trim().to_ascii_lowercase();
    let ct = ct.split(';').next().unwrap_or_default().trim().to_owned();
    Ok((kind, ct))
}

/// A file's name as kept and shown: the last path segment, trimmed, without control
/// characters or quotes, 1 to [`FILE_NAME_MAX_CHARS`] characters.
pub fn file_name(raw: &str) -> Result<String, ValidationError> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect();
    let name = cleaned.trim();
    if name.is_empty() {
        return Err(ValidationError::new(
            "upload.name_invalid",
            "A file needs a name.",
        ));
    }
    if name.chars().count() > FILE_NAME_MAX_CHARS {
        return Err(ValidationError::new(
            "upload.name_invalid",
            format!("A file's name can have at most {FILE_NAME_MAX_CHARS} characters."),
        ));
    }
    Ok(name.to_owned())
}

/// A Vault folder's name as kept: trimmed, without control characters, at most
/// [`VAULT_FOLDER_MAX_CHARS`](crate::limits::VAULT_FOLDER_MAX_CHARS) characters; empty for
/// none.
pub fn folder_name(raw: &str) -> Result<String, ValidationError> {
    let cleaned: String = raw.chars().filter(|c| !c.is_control()).collect();
    let name = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() > crate::limits::VAULT_FOLDER_MAX_CHARS {
        return Err(ValidationError::new(
            "vault.folder_invalid",
            format!(
                "A folder's name can have at most {} characters.",
                crate::limits::VAULT_FOLDER_MAX_CHARS
            ),
        ));
    }
    Ok(name)
}

fn kind_name(kind: AttachmentKind) -> &'static str {
    match kind {
        AttachmentKind::Image => "A photo",
        AttachmentKind::Video => "A video",
        AttachmentKind::File => "A file",
        AttachmentKind::Voice => "A voice note",
    }
}

/// A size as people read it: "820 KB", "4.2 MB".
pub fn format_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if bytes < KB {
        format!("{bytes} B")
    } else if bytes < MB {
        format!("{} KB", bytes.div_ceil(KB))
    } else {
        let tenths = (bytes * 10).div_ceil(MB);
        if tenths.is_multiple_of(10) || tenths >= 1000 {
            format!("{} MB", tenths.div_ceil(10))
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    }
}

/// A duration as a player shows it: "0:42", "4:05".
pub fn format_duration(ms: u32) -> String {
    let secs = ms.div_ceil(1000);
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// How one attachment is named where only words fit: a quoted reply, the inbox, an email.
pub fn label(a: &Attachment) -> String {
    match a.kind {
        AttachmentKind::Image => "Photo".to_owned(),
        AttachmentKind::Video => "Video".to_owned(),
        AttachmentKind::Voice => match a.duration_ms {
            Some(ms) => format!("Voice note {}", format_duration(ms)),
            None => "Voice note".to_owned(),
        },
        AttachmentKind::File => a.name.clone(),
    }
}

/// A message's attachments in words: "Photo", "3 photos", "Photo, report.pdf".
pub fn summary(attachments: &[Attachment]) -> String {
    let Some(first) = attachments.first() else {
        return String::new();
    };
    if attachments.len() > 1 && attachments.iter().all(|a| a.kind == first.kind) {
        let noun = match first.kind {
            AttachmentKind::Image => "photos",
            AttachmentKind::Video => "videos",
            AttachmentKind::Voice => "voice notes",
            AttachmentKind::File => "files",
        };
        return format!("{} {noun}", attachments.len());
    }
    attachments.iter().map(label).collect::<Vec<_>>().join(", ")
}

/// What a message says in a preview: its text, or its attachments in words when it has no
/// text, or both ("Photo: look at this").
pub fn preview(body_text: &str, attachments: &[Attachment]) -> String {
    let text = body_text.trim();
    match (attachments.is_empty(), text.is_empty()) {
        (true, _) => text.to_owned(),
        (false, true) => summary(attachments),
        (false, false) => format!("{}: {text}", summary(attachments)),
    }
}

/// A message in one line, as an inbox, a quote or a notification shows it: its words without
/// formatting, after what it carries ("Photo: look at this").
pub fn message_summary(
    body: &str,
    attachments: &[Attachment],
    name_of: &dyn Fn(crate::UserId) -> Option<String>,
) -> String {
    preview(&crate::markup::summary(body, name_of), attachments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::AttachmentId;

    fn attachment(kind: AttachmentKind, name: &str, duration_ms: Option<u32>) -> Attachment {
        Attachment {
            id: AttachmentId::from_ulid(ulid::Ulid::from_parts(1, 1)),
            kind,
            name: name.into(),
            content_type: "x/y".into(),
            size: 1,
            width: None,
            height: None,
            duration_ms,
            waveform: Vec::new(),
            thumbnail: false,
        }
    }

    #[test]
    fn each_type_has_its_kind_and_others_are_refused() {
        assert_eq!(kind_of("image/jpeg", false), Some(AttachmentKind::Image));
        assert_eq!(kind_of("IMAGE/PNG", false), Some(AttachmentKind::Image));
        assert_eq!(kind_of("video/mp4", false), Some(AttachmentKind::Video));
        assert_eq!(
            kind_of("audio/webm;codecs=opus", true),
            Some(AttachmentKind::Voice)
        );
        assert_eq!(
            kind_of("application/pdf", false),
            Some(AttachmentKind::File)
        );
        assert_eq!(kind_of("audio/mp4", false), Some(AttachmentKind::File));
        assert_eq!(kind_of("text/html", false), None);
        assert_eq!(kind_of("image/svg+xml", false), None);
        assert_eq!(kind_of("application/x-msdownload", false), None);
        assert_eq!(kind_of("image/jpeg", true), None);
    }

    #[test]
    fn sizes_are_checked_per_kind() {
        assert!(check_file("image/jpeg", IMAGE_MAX_BYTES, false).is_ok());
        let over = check_file("image/jpeg", IMAGE_MAX_BYTES + 1, false).expect_err("refused");
        assert_eq!(over.code, "upload.too_large");
        assert!(over.message.contains("25 MB"), "{}", over.message);
        assert!(check_file("video/mp4", VIDEO_MAX_BYTES, false).is_ok());
        assert_eq!(
            check_file("audio/webm", VOICE_MAX_BYTES + 1, true)
                .expect_err("refused")
                .code,
            "upload.too_large"
        );
        assert_eq!(
            check_file("application/pdf", 0, false)
                .expect_err("refused")
                .code,
            "upload.empty"
        );
        assert_eq!(
            check_file("text/html", 10, false)
                .expect_err("refused")
                .code,
            "upload.type_not_allowed"
        );
        assert_eq!(
            check_file("Image/JPEG; q=1", 10, false).expect("allowed").1,
            "image/jpeg"
        );
    }

    #[test]
    fn a_file_name_keeps_its_last_segment_only() {
        assert_eq!(
            file_name("C:\\Users\\me\\plan.pdf").expect("ok"),
            "plan.pdf"
        );
        assert_eq!(file_name("../../etc/passwd").expect("ok"), "passwd");
        assert_eq!(file_name(" a\u{0}\"b\".pdf ").expect("ok"), "ab.pdf");
        assert!(file_name("dir/").is_err());
        assert!(file_name(&"x".repeat(FILE_NAME_MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn sizes_and_durations_read_as_people_write_them() {
        assert_eq!(format_size(512), "512 B");
        assert_eq!(format_size(2048), "2 KB");
        assert_eq!(format_size(25 * 1024 * 1024), "25 MB");
        assert_eq!(format_size(4_404_019), "4.2 MB");
        assert_eq!(format_duration(42_000), "0:42");
        assert_eq!(format_duration(245_000), "4:05");
        assert_eq!(format_duration(1), "0:01");
    }

    #[test]
    fn previews_name_what_was_attached() {
        let photo = attachment(AttachmentKind::Image, "a.jpg", None);
        let voice = attachment(AttachmentKind::Voice, "v.webm", Some(42_000));
        let pdf = attachment(AttachmentKind::File, "plan.pdf", None);
        assert_eq!(preview("hi", &[]), "hi");
        assert_eq!(preview("", std::slice::from_ref(&photo)), "Photo");
        assert_eq!(preview("", &[voice]), "Voice note 0:42");
        assert_eq!(preview("", &[photo.clone(), photo.clone()]), "2 photos");
        assert_eq!(
            preview("look", &[photo.clone(), pdf]),
            "Photo, plan.pdf: look"
        );
    }
}
