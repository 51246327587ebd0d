//! Images a visitor sends: checked by their bytes, stored once per workspace by hash.

use super::MAX_MESSAGE_CHARS;
use super::send::{Incoming, receive};
use crate::services::Services;
use crate::{EngineError, EngineResult};
use parley_domain::image::{self, MAX_IMAGE_BYTES};
use parley_store::Store;
use parley_store::repo::bots::Bot;
use parley_store::repo::conversations::{Conversation, Message};
use parley_store::repo::images;
use serde_json::json;
use uuid::Uuid;

/// An image the visitor sends, as the browser gave it.
pub struct ImageUpload {
    pub bytes: Vec<u8>,
    /// The file's name on the visitor's device, shown in the transcript.
    pub name: String,
    /// Optional text sent with the image.
    pub caption: String,
    /// What the visitor says the image is for (`return`, `invoice`, `count`, `other`);
    /// `None`: inferred from the conversation's intents.
    pub purpose: Option<String>,
}

/// Stores an uploaded image (once per workspace, by hash), then the visitor message that
/// carries it like any other message: its caption scored, `image.uploaded` written with it
/// for the automation engine, and answered (the reply arrives on the conversation's live
/// stream). The type is judged by the bytes.
pub async fn attach_image(
    ctx: &Services,
    bot: &Bot,
    conv: &Conversation,
    upload: ImageUpload,
) -> EngineResult<Message> {
    if upload.bytes.len() > MAX_IMAGE_BYTES {
        return Err(EngineError::TooLarge(format!(
            "an image may have at most {} MiB",
            MAX_IMAGE_BYTES / (1024 * 1024)
        )));
    }
    let content_type = image::sniff(&upload.bytes).ok_or_else(|| {
        EngineError::Unsupported("only JPEG, PNG, GIF and WebP images are accepted".into())
    })?;
    let size = image::dimensions(&upload.bytes).ok_or_else(|| {
        EngineError::Unsupported("the image's size could not be read: is the file complete?".into())
    })?;
    if !image::acceptable_size(size) {
        return Err(EngineError::TooLarge(format!(
            "an image may be at most {} pixels on a side and {} megapixels; this one is {} × {}",
            image::MAX_IMAGE_SIDE,
            image::MAX_IMAGE_PIXELS / 1_000_000,
            size.0,
            size.1
        )));
    }
    let purpose = upload
        .purpose
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    if let Some(p) = purpose
        && crate::vision::purpose_kind(p).is_none()
    {
        let mut errors = parley_domain::FieldErrors::new();
        errors.add("purpose", "must be return, invoice, count or other");
        return Err(EngineError::Invalid(errors));
    }
    let caption = upload.caption.trim();
    if caption.chars().count() > MAX_MESSAGE_CHARS {
        return Err(EngineError::TooLarge(format!(
            "a caption may have at most {MAX_MESSAGE_CHARS} characters"
        )));
    }
    let name: String = upload
        .name
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    let sha256 = crate::knowledge::content_hash(&upload.bytes);
    let bytes = upload.bytes.len();
    // The bytes first, on their own: a message never points at a missing image, and an
    // image whose message failed is found again by hash when the visitor retries.
    let tx = ctx.store.begin().await?;
    let stored = images::put(&tx, conv.workspace_id, &sha256, content_type, upload.bytes).await?;
    tx.commit().await?;
    let attachment = json!({
        "kind": "image", "image_id": stored.id, "content_type": content_type,
        "bytes": bytes, "name": name, "sha256": sha256, "purpose": purpose,
    });
    let incoming = Incoming {
        text: caption,
        client_id: None,
        image: Some(attachment),
    };
    let (message, _replies) = receive(ctx, bot, conv, 1, incoming, false).await?;
    Ok(message)
}

/// A stored image's type and bytes, for a link the caller has already verified.
pub async fn stored_image(store: &Store, id: Uuid) -> EngineResult<(String, Vec<u8>)> {
    Ok(images::get(store.db(), id).await?)
}
