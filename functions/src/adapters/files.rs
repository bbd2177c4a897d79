//! The Blobs port locally: files under the data dir, uploaded and downloaded through URLs
//! signed here and served by the local server under `/blobs/` (same origin as the apps). A
//! PUT is refused unless its `Content-Type` and length are the ones signed, as S3 refuses a
//! presigned PUT whose signed headers differ.

use super::percent_encode as encode;
use crate::domain::ports::{BlobInfo, Blobs, Disposition, Presigned};
use crate::http::error::ApiError;
use anyhow::Context as _;
use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt as _;

/// Where the local server serves the files.
pub const PREFIX: &str = "/blobs/";

pub struct LocalFiles {
    dir: PathBuf,
    key: [u8; 32],
}

/// What is kept beside each file: what it was uploaded as.
#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    content_type: String,
    size: u64,
}

/// The signed part of a URL.
#[derive(Debug, Deserialize)]
pub struct Signed {
    op: String,
    #[serde(default)]
    ct: String,
    #[serde(default)]
    len: Option<u64>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    disp: String,
    exp: i64,
    sig: String,
}

/// Whether `key` is one the domain makes: segments of letters, digits, `.`, `_` and `-`, no
/// empty or dot-only segment (nothing can climb out of the directory).
fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|s| {
            !s.is_empty()
                && !s.chars().all(|c| c == '.')
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        })
}

impl LocalFiles {
    /// Files under `dir`, URLs signed with `key` (derived from the server's secret).
    pub fn new(dir: PathBuf, key: [u8; 32]) -> Self {
        Self { dir, key }
    }

    fn path(&self, key: &str) -> anyhow::Result<PathBuf> {
        anyhow::ensure!(valid_key(key), "not a blob key: {key:?}");
        Ok(self.dir.join(key))
    }

    fn meta_path(path: &Path) -> PathBuf {
        let mut p = path.as_os_str().to_owned();
        p.push(".meta");
        PathBuf::from(p)
    }

    fn signature(&self, parts: &[&str]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key");
        for p in parts {
            mac.update(p.as_bytes());
            mac.update(b"\n");
        }
        hex(&mac.finalize().into_bytes())
    }

    fn verify(&self, parts: &[&str], sig: &str) -> bool {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key");
        for p in parts {
            mac.update(p.as_bytes());
            mac.update(b"\n");
        }
        match unhex(sig) {
            Some(bytes) => mac.verify_slice(&bytes).is_ok(),
            None => false,
        }
    }

    fn expiry(ttl: Duration) -> i64 {
        crate::domain::now().unix_timestamp() + i64::try_from(ttl.as_secs()).unwrap_or(3600)
    }

    /// The routes that serve the files: `PUT` and `GET` of `/blobs/{key}` with a signed query.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route(
                "/blobs/{*key}",
                axum::routing::put(put_file).get(get_file).head(get_file),
            )
            .with_state(self)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[async_trait]
impl Blobs for LocalFiles {
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        ttl: Duration,
    ) -> anyhow::Result<Presigned> {
        anyhow::ensure!(valid_key(key), "not a blob key: {key:?}");
        let exp = Self::expiry(ttl);
        let len = size.to_string();
        let exp_s = exp.to_string();
        let sig = self.signature(&["PUT", key, content_type, &len, &exp_s]);
        Ok(Presigned {
            url: format!(
                "{PREFIX}{key}?op=put&ct={}&len={len}&exp={exp}&sig={sig}",
                encode(content_type)
            ),
            headers: vec![("Content-Type".into(), content_type.into())],
        })
    }

    async fn presign_get(
        &self,
        key: &str,
        content_type: &str,
        name: &str,
        disposition: Disposition,
        ttl: Duration,
    ) -> anyhow::Result<String> {
        anyhow::ensure!(valid_key(key), "not a blob key: {key:?}");
        let exp = Self::expiry(ttl).to_string();
        let disp = match disposition {
            Disposition::Inline => "inline",
            Disposition::Download => "attachment",
        };
        let sig = self.signature(&["GET", key, content_type, name, disp, &exp]);
        Ok(format!(
            "{PREFIX}{key}?op=get&ct={}&name={}&disp={disp}&exp={exp}&sig={sig}",
            encode(content_type),
            encode(name)
        ))
    }

    async fn head(&self, key: &str) -> anyhow::Result<Option<BlobInfo>> {
        let path = self.path(key)?;
        let meta = match tokio::fs::read(Self::meta_path(&path)).await {
            Ok(bytes) => serde_json::from_slice::<Meta>(&bytes).context("a blob's meta")?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        match tokio::fs::metadata(&path).await {
            Ok(m) if m.len() == meta.size => Ok(Some(BlobInfo {
                size: meta.size,
                content_type: meta.content_type,
            })),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let path = self.path(key)?;
        for p in [path.clone(), Self::meta_path(&path)] {
            match tokio::fs::remove_file(&p).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

fn refused(code: &'static str, message: &str) -> Response {
    ApiError::new(StatusCode::FORBIDDEN, code, message).into_response()
}

async fn put_file(
    State(files): State<Arc<LocalFiles>>,
    UrlPath(key): UrlPath<String>,
    Query(q): Query<Signed>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let len = q.len.unwrap_or(0).to_string();
    let exp = q.exp.to_string();
    if q.op != "put" || !valid_key(&key) || !files.verify(&["PUT", &key, &q.ct, &len, &exp], &q.sig)
    {
        return refused("upload.signature", "This upload link is not valid.");
    }
    if q.exp < crate::domain::now().unix_timestamp() {
        return refused("upload.expired", "This upload link has expired.");
    }
    let sent_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if sent_type != q.ct {
        return refused(
            "upload.mismatch",
            "The file's type is not the one the upload was signed for.",
        );
    }
    let size = q.len.unwrap_or(0);
    if let Some(declared) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && declared != size
    {
        return refused(
            "upload.mismatch",
            "The file's size is not the one the upload was signed for.",
        );
    }
    match store_file(&files, &key, &q.ct, size, body).await {
        Ok(true) => StatusCode::OK.into_response(),
        Ok(false) => refused(
            "upload.mismatch",
            "The file's size is not the one the upload was signed for.",
        ),
        Err(e) => {
            tracing::error!(error = %e, "storing an upload");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "The file could not be stored.",
            )
            .into_response()
        }
    }
}

/// Writes the body to a temporary file, then moves it into place (and its meta first) only
/// if it was exactly `size` bytes. `Ok(false)`: it was not.
async fn store_file(
    files: &LocalFiles,
    key: &str,
    content_type: &str,
    size: u64,
    body: Body,
) -> anyhow::Result<bool> {
    let path = files.path(key)?;
    let dir = path.parent().context("a blob's directory")?;
    tokio::fs::create_dir_all(dir).await?;
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(format!(".part-{:016x}", rand::random::<u64>()));
    let tmp = PathBuf::from(tmp_name);
    let written = async {
        let mut file = tokio::fs::File::create(&tmp).await?;
        let mut stream = body.into_data_stream();
        let mut total = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.context("reading the upload")?;
            total += chunk.len() as u64;
            if total > size {
                return Ok::<_, anyhow::Error>(false);
            }
            file.write_all(&chunk).await?;
        }
        file.sync_all().await?;
        Ok(total == size)
    }
    .await;
    if !matches!(written, Ok(true)) {
        let _ = tokio::fs::remove_file(&tmp).await;
        return written;
    }
    let meta = serde_json::to_vec(&Meta {
        content_type: content_type.to_owned(),
        size,
    })?;
    let meta_path = LocalFiles::meta_path(&path);
    let mut meta_tmp = meta_path.as_os_str().to_owned();
    meta_tmp.push(".part");
    tokio::fs::write(&meta_tmp, meta).await?;
    tokio::fs::rename(&meta_tmp, &meta_path).await?;
    tokio::fs::rename(&tmp, &path).await?;
    Ok(true)
}

async fn get_file(
    State(files): State<Arc<LocalFiles>>,
    UrlPath(key): UrlPath<String>,
    Query(q): Query<Signed>,
) -> Response {
    let exp = q.exp.to_string();
    if q.op != "get"
        || !valid_key(&key)
        || !files.verify(&["GET", &key, &q.ct, &q.name, &q.disp, &exp], &q.sig)
    {
        return refused("download.signature", "This link is not valid.");
    }
    if q.exp < crate::domain::now().unix_timestamp() {
        return refused("download.expired", "This link has expired.");
    }
    let Ok(path) = files.path(&key) else {
        return refused("download.signature", "This link is not valid.");
    };
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(_) => {
            return ApiError::new(
                StatusCode::NOT_FOUND,
                "download.not_found",
                "This file is no longer here.",
            )
            .into_response();
        }
    };
    let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let disposition = if q.disp == "attachment" {
        format!("attachment; filename*=UTF-8''{}", encode(&q.name))
    } else {
        "inline".to_owned()
    };
    let stream = tokio_util_stream(file);
    let mut response = Response::new(Body::from_stream(stream));
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&q.ct) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=600"),
    );
    // Whatever a file holds, it never runs as a page of this origin.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    response
}

/// A file's bytes as a stream of chunks.
fn tokio_util_stream(
    file: tokio::fs::File,
) -> impl futures::Stream<Item = std::io::Result<bytes::Bytes>> + Send {
    futures::stream::unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt as _;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(bytes::Bytes::from(buf)), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    })
}

/// How long a file waits under the data dir before the sweep asks whether it is wanted: an
/// upload never sent is forgotten a day after it was signed for.
pub const SWEEP_AFTER: Duration = Duration::from_secs(24 * 3600 + 3600);

impl LocalFiles {
    /// Deletes the files nobody will ever send (what the store's TTL and the change stream do
    /// on AWS): every upload's file older than `older_than` whose upload `forget` says is
    /// gone or was never sent, and any half-written upload that old. Returns how many files
    /// went.
    pub async fn sweep<F, Fut>(&self, older_than: Duration, forget: F) -> anyhow::Result<usize>
    where
        F: Fn(shared::BusinessId, crate::domain::media::Place, shared::AttachmentId) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<bool>>,
    {
        let mut gone = 0;
        let Ok(mut businesses) = tokio::fs::read_dir(&self.dir).await else {
            return Ok(0);
        };
        let cutoff = std::time::SystemTime::now()
            .checked_sub(older_than)
            .unwrap_or(std::time::UNIX_EPOCH);
        while let Some(b_dir) = businesses.next_entry().await? {
            let Ok(b) = b_dir.file_name().to_string_lossy().parse() else {
                continue;
            };
            let mut conversations = tokio::fs::read_dir(b_dir.path()).await?;
            while let Some(c_dir) = conversations.next_entry().await? {
                let Ok(place) = c_dir.file_name().to_string_lossy().parse() else {
                    continue;
                };
                let mut files = tokio::fs::read_dir(c_dir.path()).await?;
                while let Some(f) = files.next_entry().await? {
                    let old = f.metadata().await?.modified()? < cutoff;
                    let name = f.file_name().to_string_lossy().into_owned();
                    if !old {
                        continue;
                    }
                    if name.contains(".part") {
                        tokio::fs::remove_file(f.path()).await?;
                        gone += 1;
                        continue;
                    }
                    // The upload's own file names it; its thumbnail and meta go with it.
                    let Ok(id) = name.parse() else { continue };
                    if forget(b, place, id).await? {
                        let key = crate::domain::media::object_key(b, place, id);
                        self.delete(&key).await?;
                        self.delete(&format!("{key}.thumb")).await?;
                        gone += 1;
                    }
                }
            }
        }
        Ok(gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_climb_out() {
        assert!(valid_key(
            "01ARZ3NDEKTSV4RRFFQ69G5FAV/01ARZ3NDEKTSV4RRFFQ69G5FAW/x.thumb"
        ));
        for bad in [
            "", "../x", "a/../b", "a//b", "/a", "a/", "a/./b", "a b", "a\\b",
        ] {
            assert!(!valid_key(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_signature_covers_every_part() {
        let files = LocalFiles::new(PathBuf::from("/nonexistent"), [9; 32]);
        let sig = files.signature(&["PUT", "a/b", "image/png", "10", "99"]);
        assert!(files.verify(&["PUT", "a/b", "image/png", "10", "99"], &sig));
        assert!(!files.verify(&["PUT", "a/b", "image/png", "11", "99"], &sig));
        assert!(!files.verify(&["PUT", "a/b", "image/jpeg", "10", "99"], &sig));
        assert!(!files.verify(&["PUT", "a/b", "image/png", "10", "99"], "zz"));
    }
}
