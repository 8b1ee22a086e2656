//! The query of `GET /api/v1/applications/{appId}/webhooks/{webhookId}/deliveries` (docs/API.md,
//! "Webhooks"): an optional `status` filter, the page size and the keyset cursor of the events
//! list (a delivery is keyed by its event's time and id, newest first).

use crate::contract::error::ApiError;
use crate::events::list::{cursor_param, limit_param, Cursor, DEFAULT_LIMIT};

/// What the log says of a delivery.
pub const STATUSES: [&str; 3] = ["pending", "delivered", "failed"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryQuery {
    pub status: Option<&'static str>,
    pub cursor: Option<Cursor>,
    pub limit: u32,
}

impl DeliveryQuery {
    /// From the URL's query pairs: an unknown parameter or a bad value answers
    /// `400 invalid_request` naming it; an empty value counts as left out.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, ApiError> {
        let mut query = Self { status: None, cursor: None, limit: DEFAULT_LIMIT };
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key.as_str() {
                "status" => {
                    let bad = || ApiError::invalid_request(format!("`{key}` must be pending, delivered or failed"));
                    query.status = Some(STATUSES.into_iter().find(|s| *s == value).ok_or_else(bad)?)
                }
                "cursor" => query.cursor = Some(cursor_param(key, value)?),
                "limit" => query.limit = limit_param(key, value)?,
                _ => return Err(ApiError::invalid_request(format!("unknown query parameter `{key}`; the parameters are status, cursor, limit"))),
            }
        }
        Ok(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Result<DeliveryQuery, String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        DeliveryQuery::from_pairs(&pairs).map_err(|e| e.message)
    }

    #[test]
    fn defaults_filters_and_refusals() {
        assert_eq!(q(&[]).unwrap(), DeliveryQuery { status: None, cursor: None, limit: 50 });
        assert_eq!(q(&[("status", "failed"), ("limit", "3")]).unwrap().status, Some("failed"));
        assert_eq!(q(&[("status", "")]).unwrap().status, None);
        assert!(q(&[("status", "lost")]).unwrap_err().contains("`status`"));
        assert!(q(&[("limit", "0")]).unwrap_err().contains("`limit`"));
        assert!(q(&[("cursor", "x")]).unwrap_err().contains("`cursor`"));
        assert!(q(&[("type", "x")]).unwrap_err().contains("unknown query parameter `type`"));
        let c = Cursor { at_ms: 5, id: "evt_1".into() };
        assert_eq!(q(&[("cursor", &c.encode())]).unwrap().cursor, Some(c));
    }
}
