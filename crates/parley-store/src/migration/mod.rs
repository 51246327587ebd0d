//! Schema migrations, one set for SQLite and PostgreSQL. They run at start and by
//! `parley migrate`; each later capability adds its own file here.

use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_knowledge_chat;
mod m0003_bot_models;
mod m0004_insight;
mod m0005_widget_insight;
mod m0006_message_client_id;
mod m0007_workflows;
mod m0008_search_speed;
mod m0009_bot_chunk_counts;
mod m0010_search_lexemes;
mod m0011_chunks_inline;
mod m0012_search_versions;
mod m0013_deleted_bots_search;
mod m0014_conversation_loop;
mod m0015_integrations;
mod m0016_image_analyses;
mod m0017_analytics;
mod m0018_team;
mod m0019_monitoring;
mod m0020_privacy;
mod m0021_vision_corrections;
mod m0022_knowledge_gaps;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_knowledge_chat::Migration),
            Box::new(m0003_bot_models::Migration),
            Box::new(m0004_insight::Migration),
            Box::new(m0005_widget_insight::Migration),
            Box::new(m0006_message_client_id::Migration),
            Box::new(m0007_workflows::Migration),
            Box::new(m0008_search_speed::Migration),
            Box::new(m0009_bot_chunk_counts::Migration),
            Box::new(m0010_search_lexemes::Migration),
            Box::new(m0011_chunks_inline::Migration),
            Box::new(m0012_search_versions::Migration),
            Box::new(m0013_deleted_bots_search::Migration),
            Box::new(m0014_conversation_loop::Migration),
            Box::new(m0015_integrations::Migration),
            Box::new(m0016_image_analyses::Migration),
            Box::new(m0017_analytics::Migration),
            Box::new(m0018_team::Migration),
            Box::new(m0019_monitoring::Migration),
            Box::new(m0020_privacy::Migration),
            Box::new(m0021_vision_corrections::Migration),
            Box::new(m0022_knowledge_gaps::Migration),
        ]
    }
}

/// A named index on `table` over `cols`.
pub(crate) fn index(
    name: &'static str,
    table: &'static str,
    cols: &[&'static str],
) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for col in cols {
        idx.col(*col);
    }
    idx.to_owned()
}

/// A foreign key from `(table, column)` to `to.id` that deletes with its parent.
pub(crate) fn fk(
    from: (&'static str, &'static str),
    to: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}
