//! Schema migrations, one set for SQLite and PostgreSQL. They run at start and by
//! `parley migrate`; each later capability adds its own file here.

use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_knowledge_chat;
mod m0003_bot_models;
mod m0004_insight;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_knowledge_chat::Migration),
            Box::new(m0003_bot_models::Migration),
            Box::new(m0004_insight::Migration),
        ]
    }
}
