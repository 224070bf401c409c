//! What a record says about its neighbours: related records and pages, and stakeholders.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Related {
    #[serde(
        default,
        deserialize_with = "crate::model::text::texts",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub exceptions: Vec<String>,
    #[serde(
        default,
        deserialize_with = "crate::model::text::texts",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub incidents: Vec<String>,
    #[serde(
        default,
        deserialize_with = "crate::model::text::texts",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub pages: Vec<String>,
}

impl Related {
    pub fn is_empty(&self) -> bool {
        self.exceptions.is_empty() && self.incidents.is_empty() && self.pages.is_empty()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Stakeholder {
    #[serde(deserialize_with = "crate::model::text::text")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub involvement: Option<String>,
}
