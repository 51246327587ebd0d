//! Links to visitors' images. An image is served only through a short-lived signed link,
//! minted whenever a message carrying it is shown, so a leaked link soon stops working and
//! image ids cannot be guessed into content.

use parley_domain::identity::sign_image_link;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// How long a minted link works.
pub const LINK_TTL_SECS: i64 = 3600;

/// A file attached to a message, as clients see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Attachment {
    /// `image`.
    kind: String,
    pub image_id: Uuid,
    /// A signed link to the bytes, relative to the API's origin; valid for an hour.
    url: String,
    content_type: String,
    bytes: i64,
    /// The file's name on the visitor's device.
    name: String,
    /// What the visitor said the image is for (`return`, `invoice`, `count`, `other`).
    #[schema(required)]
    purpose: Option<String>,
    /// The newest analysis of the image (the inbox fills it; the widget reads the bot
    /// message that reports it, see `MessageView.analysis`).
    #[schema(required)]
    pub analysis: Option<AnalysisNote>,
}

/// What was read from an image, in short: enough to show a line under it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AnalysisNote {
    /// The analysis (`GET /api/v1/conversations/{id}/images` has the full result).
    pub id: Uuid,
    pub image_id: Uuid,
    /// `condition`, `invoice`, `count` or `describe`.
    pub kind: String,
    /// `queued`, `done`, `failed` or `unavailable`.
    pub status: String,
    /// One line for under the image, once done (the correction's, when corrected).
    #[schema(required)]
    pub summary: Option<String>,
    /// The name of the agent who corrected the result, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrected_by: Option<String>,
}

/// The analysis a bot message reports (the `image.analyze` job's message), if it is one.
pub fn analysis_note(stored: Option<&serde_json::Value>) -> Option<AnalysisNote> {
    stored?
        .as_array()?
        .iter()
        .find(|a| a["kind"] == "analysis")
        .and_then(|a| serde_json::from_value(a["analysis"].clone()).ok())
}

/// An attachment as stored on the message.
#[derive(Deserialize)]
struct Stored {
    kind: String,
    image_id: Uuid,
    content_type: String,
    bytes: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    purpose: Option<String>,
}

/// The signed link to an image, valid for [`LINK_TTL_SECS`] from now.
pub fn link(key: &[u8], image_id: Uuid) -> String {
    let expires_at = time::OffsetDateTime::now_utc().unix_timestamp() + LINK_TTL_SECS;
    let sig = sign_image_link(key, image_id, expires_at);
    format!("/widget/v1/images/{image_id}?exp={expires_at}&sig={sig}")
}

/// A message's stored image attachments with fresh links; none for a message without any.
pub fn attachments(key: &[u8], stored: Option<&serde_json::Value>) -> Vec<Attachment> {
    let Some(list) = stored.and_then(|v| v.as_array()) else {
        return Vec::new();
    };
    list.iter()
        .filter(|a| a["kind"] == "image")
        .filter_map(|a| serde_json::from_value::<Stored>(a.clone()).ok())
        .map(|s| Attachment {
            url: link(key, s.image_id),
            image_id: s.image_id,
            purpose: s.purpose,
            analysis: None,
            kind: s.kind,
            content_type: s.content_type,
            bytes: s.bytes,
            name: s.name,
        })
        .collect()
}

/// Whether the message asks the visitor to rate the conversation (the notice of a
/// resolved conversation carries that request).
pub fn asks_rating(stored: Option<&serde_json::Value>) -> bool {
    stored
        .and_then(|v| v.as_array())
        .is_some_and(|list| list.iter().any(|a| a["kind"] == "rating_request"))
}

/// Replaces a live `message.created` event's stored attachments with linked ones.
pub fn link_live_message(key: &[u8], data: &mut serde_json::Value) {
    if let Some(message) = data.get_mut("message").and_then(|m| m.as_object_mut()) {
        let rating_request = asks_rating(message.get("attachments"));
        let analysis = analysis_note(message.get("attachments"));
        message.insert("analysis".into(), serde_json::json!(analysis));
        let linked = attachments(key, message.get("attachments"));
        message.insert("attachments".into(), serde_json::json!(linked));
        message.insert("rating_request".into(), serde_json::json!(rating_request));
    }
}
