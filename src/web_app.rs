//! Serves the built web app (`web/dist`) at `/`, with client-side routes
//! falling back to `index.html`.

use actix_files::{Files, NamedFile};
use actix_web::dev::{fn_service, ServiceRequest, ServiceResponse};
use std::path::{Path, PathBuf};

/// The static files service for `dir`.
pub fn service(dir: &Path) -> Files {
    let index: PathBuf = dir.join("index.html");
    Files::new("/", dir).index_file("index.html").default_handler(fn_service(move |req: ServiceRequest| {
        let index = index.clone();
        async move {
            let (req, _) = req.into_parts();
            let file = NamedFile::open_async(&index).await?;
            let res = file.into_response(&req);
            Ok(ServiceResponse::new(req, res))
        }
    }))
}
