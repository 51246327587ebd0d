//! Ready-made workflows the builder offers to import. Each is a graph JSON file in
//! `templates/`, embedded at build time and tested to compile against [`BuiltinCatalog`]
//! (so an import never starts from a broken workflow).
//!
//! [`BuiltinCatalog`]: super::BuiltinCatalog

use super::graph::Graph;
use serde::Serialize;

/// An importable workflow.
#[derive(Debug, Clone, Serialize)]
pub struct WorkflowTemplate {
    /// Stable identifier (`"lead-prioritization"`).
    pub slug: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub graph: Graph,
}

const SOURCES: [(&str, &str, &str, &str); 3] = [
    (
        "auto-return-approval",
        "Auto-approve returns",
        "When the photo of an item sent back shows damage (a vision model's verdict, or an \
         agent's correction), approve the return and give the visitor an RMA number; a \
         blurry photo, an undamaged item or no verdict goes to a person.",
        include_str!("templates/auto-return-approval.json"),
    ),
    (
        "lead-prioritization",
        "Prioritize hot leads",
        "When a lead qualifies, create or update the HubSpot contact, give the conversation \
         an owner, open a deal for hot or urgent leads, tell #sales in Slack about urgent \
         ones and note the CRM links in the conversation.",
        include_str!("templates/lead-prioritization.json"),
    ),
    (
        "support-escalation",
        "Escalate unhappy visitors",
        "When a visitor turns negative, hand off to a person, leave a note and alert Slack; \
         if nobody has picked it up 15 minutes later, alert again.",
        include_str!("templates/support-escalation.json"),
    ),
];

/// The built-in templates, in display order.
pub fn templates() -> Vec<WorkflowTemplate> {
    SOURCES
        .iter()
        .filter_map(|(slug, name, description, json)| {
            // Embedded and covered by tests; a bad file is skipped rather than panicking.
            let value = serde_json::from_str(json).ok()?;
            let graph = Graph::from_value(&value).ok()?;
            Some(WorkflowTemplate {
                slug,
                name,
                description,
                graph,
            })
        })
        .collect()
}
