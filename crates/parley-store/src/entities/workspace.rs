use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workspaces")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub created_at: i64,
    /// IANA time zone analytics days are counted in (`None`: UTC).
    pub time_zone: Option<String>,
    /// Default language of new bots, a BCP 47 tag such as `en` or `pt-BR`.
    pub bot_language: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
