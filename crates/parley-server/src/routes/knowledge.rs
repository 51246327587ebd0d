//! `/api/v1/bots/{id}/documents`, `/faqs` and `/search`: a bot's knowledge.

use super::shared::{DocumentStatus, rfc3339};
use crate::caller::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, parse_id};
use crate::state::AppState;
use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use parley_engine::knowledge::{self, FaqInput, MAX_FILE_BYTES, MAX_FILES, Upload};
use parley_store::repo::faqs::Faq;
use parley_store::repo::knowledge::Document;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_documents, upload_documents))
        .routes(routes!(get_document, delete_document))
        .routes(routes!(list_faqs, create_faq))
        .routes(routes!(update_faq, delete_faq))
        .routes(routes!(reorder_faqs))
        .routes(routes!(search))
        // Uploads carry files; everything else keeps the small default limit.
        .layer(DefaultBodyLimit::max(
            MAX_FILES * MAX_FILE_BYTES / 4 + 1024 * 1024,
        ))
}

/// An uploaded document and its ingestion state.
#[derive(Serialize, ToSchema)]
#[schema(as = Document)]
pub struct DocumentView {
    id: Uuid,
    bot_id: Uuid,
    name: String,
    content_type: String,
    size_bytes: i64,
    #[schema(value_type = DocumentStatus)]
    status: String,
    /// Why ingestion failed.
    #[schema(required)]
    error: Option<String>,
    chunk_count: i32,
    /// Where the document lives on the web; citations link there.
    #[schema(required)]
    source_url: Option<String>,
    created_at: String,
    updated_at: String,
}

fn document_view(d: Document) -> DocumentView {
    DocumentView {
        id: d.id,
        bot_id: d.bot_id,
        name: d.name,
        content_type: d.content_type,
        size_bytes: d.size_bytes,
        source_url: d.source_url,
        status: d.status,
        error: d.error,
        chunk_count: d.chunk_count,
        created_at: rfc3339(d.created_at),
        updated_at: rfc3339(d.updated_at),
    }
}

#[derive(Serialize, ToSchema)]
pub struct DocumentList {
    items: Vec<DocumentView>,
    progress: IngestProgress,
}

#[derive(Serialize, ToSchema)]
pub struct IngestProgress {
    documents_total: u64,
    documents_done: u64,
    documents_failed: u64,
    chunks: u64,
}

/// The bot's documents, newest first, with ingestion progress.
#[utoipa::path(get, path = "/api/v1/bots/{id}/documents", tag = "knowledge", params(("id" = Uuid, Path)), responses(
    (status = 200, body = DocumentList), (status = 404, body = ErrorBody),
))]
async fn list_documents(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<DocumentList>> {
    let (docs, p) = knowledge::documents(&state.store, &caller.actor, parse_id(&id)?).await?;
    Ok(Json(DocumentList {
        items: docs.into_iter().map(document_view).collect(),
        progress: IngestProgress {
            documents_total: p.documents_total,
            documents_done: p.documents_done,
            documents_failed: p.documents_failed,
            chunks: p.chunks,
        },
    }))
}

#[derive(Serialize, ToSchema)]
pub struct UploadResult {
    /// One entry per file, in upload order: the queued document, or why the file was refused.
    items: Vec<UploadItem>,
}

#[derive(Serialize, ToSchema)]
pub struct UploadItem {
    name: String,
    #[schema(required)]
    document: Option<DocumentView>,
    #[schema(required)]
    error: Option<String>,
}

/// Uploads files (multipart, field `files`, several at once): text, Markdown, HTML, PDF,
/// DOCX, CSV. Each is queued for ingestion; a refused file does not stop the others. An
/// optional `source_url` part says where the files live on the web, for citations to link.
#[utoipa::path(post, path = "/api/v1/bots/{id}/documents", tag = "knowledge", params(("id" = Uuid, Path)),
    request_body(content_type = "multipart/form-data", description = "one or more `files` parts and an optional `source_url` part"),
    responses((status = 202, body = UploadResult), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
)]
async fn upload_documents(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult<(StatusCode, Json<UploadResult>)> {
    let bot_id = parse_id(&id)?;
    let mut multipart = multipart.map_err(|e| ApiError::invalid_field("body", e.body_text()))?;
    let (mut files, mut source_url) = (Vec::new(), None);
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() == Some("source_url") {
            source_url = Some(field.text().await.map_err(multipart_error)?);
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(multipart_error)?;
        files.push(Upload {
            name,
            bytes: bytes.to_vec(),
        });
    }
    let outcomes =
        knowledge::upload(&state.store, &caller.actor, bot_id, files, source_url).await?;
    state.jobs_wake.notify_one();
    let items = outcomes
        .into_iter()
        .map(|o| UploadItem {
            name: o.name,
            document: o.document.map(document_view),
            error: o.error,
        })
        .collect();
    Ok((StatusCode::ACCEPTED, Json(UploadResult { items })))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the upload is too large",
        )
    } else {
        ApiError::invalid_field("files", e.body_text())
    }
}

#[utoipa::path(get, path = "/api/v1/bots/{id}/documents/{document_id}", tag = "knowledge",
    params(("id" = Uuid, Path), ("document_id" = Uuid, Path)),
    responses((status = 200, body = DocumentView), (status = 404, body = ErrorBody)))]
async fn get_document(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((id, doc)): Path<(String, String)>,
) -> ApiResult<Json<DocumentView>> {
    let d =
        knowledge::document(&state.store, &caller.actor, parse_id(&id)?, parse_id(&doc)?).await?;
    Ok(Json(document_view(d)))
}

/// Deletes a document and removes its chunks from the index.
#[utoipa::path(delete, path = "/api/v1/bots/{id}/documents/{document_id}", tag = "knowledge",
    params(("id" = Uuid, Path), ("document_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_document(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((id, doc)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    knowledge::delete_document(&state.store, &caller.actor, parse_id(&id)?, parse_id(&doc)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A frequently asked question and its answer.
#[derive(Serialize, ToSchema)]
#[schema(as = Faq)]
pub struct FaqView {
    id: Uuid,
    question: String,
    answer: String,
    enabled: bool,
    position: i32,
    created_at: String,
    updated_at: String,
}

fn faq_view(f: Faq) -> FaqView {
    FaqView {
        id: f.id,
        question: f.question,
        answer: f.answer,
        enabled: f.enabled,
        position: f.position,
        created_at: rfc3339(f.created_at),
        updated_at: rfc3339(f.updated_at),
    }
}

#[derive(Serialize, ToSchema)]
pub struct FaqList {
    items: Vec<FaqView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaqCreate {
    #[schema(min_length = 1)]
    question: String,
    #[schema(min_length = 1)]
    answer: String,
    enabled: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaqUpdate {
    #[schema(min_length = 1)]
    question: Option<String>,
    #[schema(min_length = 1)]
    answer: Option<String>,
    enabled: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaqOrder {
    /// Every FAQ id of the bot, in the new order.
    ids: Vec<Uuid>,
}

#[utoipa::path(get, path = "/api/v1/bots/{id}/faqs", tag = "knowledge", params(("id" = Uuid, Path)), responses((status = 200, body = FaqList), (status = 404, body = ErrorBody)))]
async fn list_faqs(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<FaqList>> {
    let items = knowledge::list_faqs(&state.store, &caller.actor, parse_id(&id)?).await?;
    Ok(Json(FaqList {
        items: items.into_iter().map(faq_view).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/bots/{id}/faqs", tag = "knowledge", params(("id" = Uuid, Path)), request_body = FaqCreate,
    responses((status = 201, body = FaqView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_faq(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FaqCreate>,
) -> ApiResult<(StatusCode, Json<FaqView>)> {
    let input = FaqInput {
        question: Some(body.question),
        answer: Some(body.answer),
        enabled: body.enabled,
    };
    let faq = knowledge::create_faq(&state.store, &caller.actor, parse_id(&id)?, input).await?;
    Ok((StatusCode::CREATED, Json(faq_view(faq))))
}

#[utoipa::path(patch, path = "/api/v1/bots/{id}/faqs/{faq_id}", tag = "knowledge", params(("id" = Uuid, Path), ("faq_id" = Uuid, Path)), request_body = FaqUpdate,
    responses((status = 200, body = FaqView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_faq(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((id, faq)): Path<(String, String)>,
    ApiJson(body): ApiJson<FaqUpdate>,
) -> ApiResult<Json<FaqView>> {
    let input = FaqInput {
        question: body.question,
        answer: body.answer,
        enabled: body.enabled,
    };
    let faq = knowledge::update_faq(
        &state.store,
        &caller.actor,
        parse_id(&id)?,
        parse_id(&faq)?,
        input,
    )
    .await?;
    Ok(Json(faq_view(faq)))
}

#[utoipa::path(delete, path = "/api/v1/bots/{id}/faqs/{faq_id}", tag = "knowledge", params(("id" = Uuid, Path), ("faq_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_faq(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((id, faq)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    knowledge::delete_faq(&state.store, &caller.actor, parse_id(&id)?, parse_id(&faq)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/bots/{id}/faqs/reorder", tag = "knowledge", params(("id" = Uuid, Path)), request_body = FaqOrder,
    responses((status = 200, body = FaqList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reorder_faqs(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FaqOrder>,
) -> ApiResult<Json<FaqList>> {
    let items =
        knowledge::reorder_faqs(&state.store, &caller.actor, parse_id(&id)?, &body.ids).await?;
    Ok(Json(FaqList {
        items: items.into_iter().map(faq_view).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchRequest {
    #[schema(min_length = 1)]
    query: String,
    /// Passages to return, 1 to 50 (default 8).
    limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResult {
    /// FAQs sharing terms with the query, best first; `score` ≥ 0.6 answers directly.
    faqs: Vec<FaqHit>,
    passages: Vec<PassageHit>,
}

#[derive(Serialize, ToSchema)]
pub struct FaqHit {
    faq: FaqView,
    score: f32,
}

#[derive(Serialize, ToSchema)]
pub struct PassageHit {
    chunk_id: Uuid,
    document_id: Uuid,
    document_name: String,
    heading: String,
    text: String,
    tokens: i32,
    /// The full-text engine's relevance (BM25 on SQLite, ts_rank on PostgreSQL).
    score: f64,
}

/// What a question would retrieve: the "test retrieval" box.
#[utoipa::path(post, path = "/api/v1/bots/{id}/search", tag = "knowledge", params(("id" = Uuid, Path)), request_body = SearchRequest,
    responses((status = 200, body = SearchResult), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn search(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SearchRequest>,
) -> ApiResult<Json<SearchResult>> {
    let found = knowledge::search(
        &state.services,
        &caller.actor,
        parse_id(&id)?,
        &body.query,
        body.limit.unwrap_or(8),
    )
    .await?;
    Ok(Json(SearchResult {
        faqs: found
            .faqs
            .into_iter()
            .map(|(f, score)| FaqHit {
                faq: faq_view(f),
                score,
            })
            .collect(),
        passages: found
            .passages
            .into_iter()
            .map(|p| PassageHit {
                chunk_id: p.id,
                document_id: p.document_id,
                document_name: p.document_name,
                heading: p.heading,
                text: p.body,
                tokens: p.token_count,
                score: p.score,
            })
            .collect(),
    }))
}
