//! Names the hosted pages' scripts and style sheet by their content (`/pages/app.<hash>.js`), so
//! they can be cached for good. They are served as static assets (wrangler.toml `[assets]`,
//! copied under these names by scripts/build.sh), not from the Worker's code; the pages link them
//! through `AUTHAZ_COMMON_JS_PATH`, `AUTHAZ_APP_JS_PATH` and `AUTHAZ_STYLE_CSS_PATH`. The rule: the first 16 hex digits of
//! the file's SHA-256.
use sha2::{Digest, Sha256};

fn main() {
    for (file, stem, ext, var) in [
        ("src/hosted_pages/assets/common.js", "common", "js", "AUTHAZ_COMMON_JS_PATH"),
        ("src/hosted_pages/assets/app.js", "app", "js", "AUTHAZ_APP_JS_PATH"),
        ("src/hosted_pages/assets/style.css", "style", "css", "AUTHAZ_STYLE_CSS_PATH"),
    ] {
        println!("cargo:rerun-if-changed={file}");
        let body = std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        let hex: String = Sha256::digest(&body).iter().take(8).map(|b| format!("{b:02x}")).collect();
        println!("cargo:rustc-env={var}=/pages/{stem}.{hex}.{ext}");
    }
}
