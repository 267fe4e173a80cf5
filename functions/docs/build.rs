//! Swagger UI's files for /docs, taken at build time from the release archive that
//! `utoipa-swagger-ui-vendored` holds (so a build needs no internet): only the ones the page
//! loads (the bundle, the standalone preset, the styles, the icons), gzipped once here. The
//! release's other builds (the ES modules and the unbundled swagger-ui.js, 0.6 MB gzipped) are
//! left out. Writes `$OUT_DIR/swagger_ui.rs`, included by `src/swagger.rs`.

use std::env;
use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use utoipa_swagger_ui_vendored::SWAGGER_UI_VENDORED;
use zip::ZipArchive;

/// The files of the release's `dist/` that the page loads, with their types.
const FILES: [(&str, &str); 6] = [
    ("swagger-ui-bundle.js", "application/javascript; charset=utf-8"),
    ("swagger-ui-standalone-preset.js", "application/javascript; charset=utf-8"),
    ("swagger-ui.css", "text/css; charset=utf-8"),
    ("index.css", "text/css; charset=utf-8"),
    ("favicon-32x32.png", "image/png"),
    ("favicon-16x16.png", "image/png"),
];

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=swagger/index.html");
    let out = PathBuf::from(env::var("OUT_DIR")?);
    let mut archive = ZipArchive::new(Cursor::new(SWAGGER_UI_VENDORED))?;
    // The archive's one top folder, `swagger-ui-<version>`, names the assets' folder on the web.
    let release = archive
        .file_names()
        .filter_map(Result::ok)
        .find_map(|name| name.split_once('/').map(|(top, _)| top.to_owned()))
        .ok_or("an empty Swagger UI archive")?;
    let version = release.strip_prefix("swagger-ui-").ok_or("the archive's folder is not swagger-ui-<version>")?;

    let mut assets = String::new();
    for (name, content_type) in FILES {
        let mut bytes = Vec::new();
        archive.by_name(&format!("{release}/dist/{name}"))?.read_to_end(&mut bytes)?;
        let gzipped = !content_type.starts_with("image/");
        let stored = out.join(if gzipped { format!("{name}.gz") } else { name.to_owned() });
        fs::write(&stored, if gzipped { gzip(&bytes)? } else { bytes })?;
        writeln!(
            assets,
            "    Asset {{ name: {name:?}, content_type: {content_type:?}, gzipped: {gzipped}, bytes: include_bytes!({:?}) }},",
            path_text(&stored)?
        )?;
    }
    let page = fs::read_to_string("swagger/index.html")?.replace("{assets}", &release);
    let code = format!(
        "/// The Swagger UI release the assets come from.\n\
         pub const VERSION: &str = {version:?};\n\
         /// The folder of the assets under /docs: `swagger-ui-<version>`.\n\
         pub const ASSETS_FOLDER: &str = {release:?};\n\
         /// The page, with the assets' folder filled in.\n\
         pub const PAGE: &str = {page:?};\n\
         pub static ASSETS: &[Asset] = &[\n{assets}];\n"
    );
    fs::write(out.join("swagger_ui.rs"), code)?;
    Ok(())
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

fn path_text(path: &Path) -> Result<&str, Box<dyn Error>> {
    path.to_str().ok_or_else(|| format!("not UTF-8: {}", path.display()).into())
}
