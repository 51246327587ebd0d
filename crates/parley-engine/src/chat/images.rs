//! Images a visitor sends: checked by their bytes, stored once per workspace by hash.

use super::MAX_MESSAGE_CHARS;
use crate::live::publish_message;
use crate::services::Services;
use crate::{EngineError, EngineResult};
use parley_domain::image::{self, MAX_IMAGE_BYTES};
use parley_store::Store;
use parley_store::repo::conversations::{self as convs, Conversation, Message, NewMessage};
use parley_store::repo::{images, outbox};
use serde_json::json;
use uuid::Uuid;

/// An image the visitor sends, as the browser gave it.
pub struct ImageUpload {
    pub bytes: Vec<u8>,
    /// The file's name on the visitor's device, shown in the transcript.
    pub name: String,
    /// Optional text sent with the image.
    pub caption: String,
}

/// Stores an uploaded image (once per workspace, by hash) and the visitor message that
/// carries it, with `image.uploaded` in the same transaction for the automation engine.
/// The type is judged by the bytes; the bot does not answer an image by itself.
pub async fn attach_image(
    ctx: &Services,
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
    let tx = ctx.store.begin().await?;
    let stored = images::put(&tx, conv.workspace_id, &sha256, content_type, upload.bytes).await?;
    let attachment = json!({
        "kind": "image", "image_id": stored.id, "content_type": content_type,
        "bytes": bytes, "name": name, "sha256": sha256,
    });
    let message = convs::append_message(
        &tx,
        conv,
        NewMessage {
            role: "visitor".into(),
            body: caption.to_string(),
            attachments: Some(json!([attachment])),
            ..Default::default()
        },
    )
    .await?;
    outbox::append(
        &tx,
        conv.workspace_id,
        "image.uploaded",
        json!({
            "conversation_id": conv.id, "bot_id": conv.bot_id, "message_id": message.id,
            "image": attachment, "caption": caption,
        }),
    )
    .await?;
    tx.commit().await?;
    publish_message(&ctx.hub, conv, &message);
    Ok(message)
}

/// A stored image's type and bytes, for a link the caller has already verified.
pub async fn stored_image(store: &Store, id: Uuid) -> EngineResult<(String, Vec<u8>)> {
    Ok(images::get(store.db(), id).await?)
}
