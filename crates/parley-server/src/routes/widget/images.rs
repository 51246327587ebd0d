//! Images a visitor sends, and the signed links that show them.

use super::views::{Authors, MessageView, message_view};
use super::visitor;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::WidgetBot;
use crate::extract::parse_id;
use crate::images::{self};
use crate::limits::ensure_disk_room;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parley_domain::identity::verify_image_link;
use parley_engine::chat::{self, ImageUpload};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct UploadedImage {
    /// The visitor's message carrying the image (its text is the caption).
    message: MessageView,
}

/// Sends an image (multipart: one `image` file part, optional `caption` and `purpose` text
/// parts). The type is judged by the bytes (JPEG, PNG, GIF, WebP), at most 5 MiB;
/// `image.uploaded` is written for the automation engine, and the image is analysed by a
/// job: `purpose` (`return`, `invoice`, `count`, `other`) picks the analysis, else the
/// conversation's intents do. The bot reports what it saw as a message with `analysis`. The caption is scored and answered like a message;
/// the reply arrives on the conversation's stream.
#[utoipa::path(post, path = "/widget/v1/conversations/{id}/images", tag = "widget", params(("id" = Uuid, Path)),
    request_body(content_type = "multipart/form-data", description = "an `image` file part, optional `caption` and `purpose` parts"),
    responses(
        (status = 201, body = UploadedImage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "the widget's write rate or the day's upload quota"),
        (status = 507, body = ErrorBody, description = "the server's disk is nearly full"),
    ),
)]
pub(super) async fn upload_image(
    State(state): State<AppState>,
    WidgetBot(bot): WidgetBot,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<UploadedImage>)> {
    let visitor = visitor(&state, &bot, &headers).await?;
    let conv = chat::own_conversation(&state.store, &visitor, parse_id(&id)?).await?;
    let mut multipart = multipart.map_err(|e| ApiError::invalid_field("body", e.body_text()))?;
    let (mut image, mut caption, mut purpose) = (None, String::new(), None);
    while let Some(field) = multipart.next_field().await.map_err(upload_error)? {
        match field.name() {
            Some("image") => {
                let name = field.file_name().unwrap_or("image").to_string();
                let bytes = field.bytes().await.map_err(upload_error)?;
                image = Some((name, bytes.to_vec()));
            }
            Some("caption") => caption = field.text().await.map_err(upload_error)?,
            Some("purpose") => purpose = Some(field.text().await.map_err(upload_error)?),
            _ => {}
        }
    }
    let (name, bytes) = image.ok_or_else(|| {
        ApiError::invalid_field("image", "send the image as an `image` file part")
    })?;
    if state.config.is_sqlite() {
        ensure_disk_room(&state.config.data_dir, state.config.min_free_disk)?;
    }
    let (size, now) = (bytes.len() as u64, parley_store::now_ms());
    state.uploads.reserve(bot.id, visitor.id, size, now)?;
    let upload = ImageUpload {
        bytes,
        name,
        caption,
        purpose,
    };
    let message = match chat::attach_image(&state.services, &bot, &conv, upload).await {
        Ok(message) => message,
        Err(e) => {
            state.uploads.release(bot.id, visitor.id, size, now);
            return Err(e.into());
        }
    };
    Ok((
        StatusCode::CREATED,
        Json(UploadedImage {
            message: message_view(&state.visitor_key, &message, &Authors::new()),
        }),
    ))
}

fn upload_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "an image may have at most 5 MiB",
        )
    } else {
        ApiError::invalid_field("image", e.body_text())
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImageLink {
    /// Expiry, epoch seconds.
    exp: i64,
    sig: String,
}

/// An image, through the signed link a message view carries. No other credentials: the
/// link is the permission, and it expires.
#[utoipa::path(get, path = "/widget/v1/images/{id}", tag = "widget", params(("id" = Uuid, Path), ImageLink), responses(
    (status = 200, content_type = "image/*", description = "the image's bytes"),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
))]
pub(super) async fn image(
    State(state): State<AppState>,
    Path(id): Path<String>,
    link: Result<Query<ImageLink>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let valid =
        link.is_ok_and(|Query(l)| verify_image_link(&state.visitor_key, id, l.exp, &l.sig, now));
    if !valid {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "invalid_link",
            "this image link is not valid or has expired",
        ));
    }
    let (content_type, data) = chat::stored_image(&state.store, id).await?;
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (
            header::CACHE_CONTROL,
            format!("private, max-age={}", images::LINK_TTL_SECS),
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox".into(),
        ),
    ];
    Ok((headers, data).into_response())
}
