//! The team: invitations, roles, deactivation, password resets.
//!
//! Links (invitations, resets) carry a random token whose SHA-256 alone is stored, like
//! sessions and API tokens. Each email is a `mail.send` job enqueued in the same transaction
//! as the grant it carries, keyed by the grant's id, so a retried request sends one email.
//! Without SMTP the invitation link is returned once, for the inviter to pass on; a reset
//! then cannot be requested by email (the CLI's `parley admin reset-password` still works).

use crate::accounts::{check_credentials, hash_password, verify_password};
use crate::error::invalid;
use crate::mail::{self, Mailer, OutgoingMail};
use crate::secrets::{random_secret, sha256_hex};
use crate::{Actor, EngineError, EngineResult};
use parley_domain::Role;
use parley_domain::account::normalize_email;
use parley_domain::throttle::{Limit, Throttle};
use parley_store::repo::invitations::{self, Invitation, NewInvitation};
use parley_store::repo::workspaces::{self as ws_repo, Member};
use parley_store::repo::{accounts, audit, sessions};
use parley_store::{Store, now_ms};
use serde_json::json;
use std::sync::{Mutex, OnceLock};
use uuid::Uuid;

/// How long an invitation link works.
pub const INVITATION_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// How long a password-reset link works.
pub const RESET_TTL_MS: i64 = 3600 * 1000;
/// Reset emails one account gets in an hour: enough for a lost email, too few to flood.
const RESETS_PER_USER_HOUR: u64 = 3;
/// Reset requests one address may make in 15 minutes, whatever the emails.
const RESETS_PER_IP: Limit = Limit {
    max_events: 10,
    window_ms: 15 * 60_000,
};

/// Wrong passwords one invitation may be accepted with in 15 minutes (an existing account).
const ACCEPT_GUESSES: Limit = Limit {
    max_events: 5,
    window_ms: 15 * 60_000,
};

/// What the caller needs to build links and send email.
#[derive(Clone, Debug)]
pub struct Links<'a> {
    /// `PARLEY_PUBLIC_URL`, without a trailing slash.
    pub public_url: &'a str,
    pub mailer: &'a Mailer,
}

/// An invitation just made: the link is present only when no email carries it.
#[derive(Debug, Clone)]
pub struct Invited {
    pub invitation: Invitation,
    pub link: Option<String>,
    pub emailed: bool,
}

/// Whether `actor` may give `role`: owners give any role (only an owner makes owners),
/// admins give admin and agent.
fn may_assign(actor: Role, role: Role) -> bool {
    match actor {
        Role::Owner => true,
        Role::Admin => role != Role::Owner,
        Role::Agent => false,
    }
}

fn accept_link(public_url: &str, token: &str) -> String {
    format!("{public_url}/app/accept-invite?token={token}")
}

fn reset_link(public_url: &str, token: &str) -> String {
    format!("{public_url}/app/reset-password?token={token}")
}

pub async fn list_members(store: &Store, actor: &Actor) -> EngineResult<Vec<Member>> {
    Ok(ws_repo::list_members(store.db(), actor.workspace_id).await?)
}

pub async fn list_invitations(store: &Store, actor: &Actor) -> EngineResult<Vec<Invitation>> {
    actor.require_manager()?;
    Ok(invitations::list_pending(store.db(), actor.workspace_id, now_ms()).await?)
}

/// Invites `email` as `role`: replaces their earlier pending invitations, emails the link
/// when SMTP is configured and returns it otherwise.
pub async fn invite(
    store: &Store,
    actor: &Actor,
    links: Links<'_>,
    email: &str,
    role: &str,
) -> EngineResult<Invited> {
    actor.require_manager()?;
    let mut errors = parley_domain::FieldErrors::new();
    let email = normalize_email(email);
    if email.is_none() {
        errors.add("email", "must be an email address");
    }
    let role = Role::parse(role);
    match role {
        None => errors.add("role", "must be owner, admin or agent"),
        Some(r) if !may_assign(actor.role, r) => {
            errors.add("role", "only an owner can invite owners")
        }
        _ => {}
    }
    let (Some(email), Some(role)) = (email, role) else {
        return Err(EngineError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(EngineError::Invalid(errors));
    }
    let tx = store.begin().await?;
    if let Some(user) = accounts::find_user_by_email(&tx, &email).await?
        && let Some(m) = ws_repo::find_member(&tx, actor.workspace_id, user.id).await?
        && m.deactivated_at.is_none()
    {
        return Err(invalid("email", "is already a member of this workspace"));
    }
    invitations::revoke_pending_for_email(&tx, actor.workspace_id, &email).await?;
    let token = random_secret("");
    let invitation = invitations::create(
        &tx,
        NewInvitation {
            workspace_id: actor.workspace_id,
            email: &email,
            role,
            token_hash: &sha256_hex(&token),
            invited_by: Some(actor.user_id),
            expires_at: now_ms() + INVITATION_TTL_MS,
        },
    )
    .await?;
    let link = accept_link(links.public_url, &token);
    let emailed = links.mailer.configured();
    if emailed {
        let workspace = accounts::find_workspace(&tx, actor.workspace_id).await?;
        let inviter = accounts::find_user(&tx, actor.user_id).await?;
        let mail = OutgoingMail {
            to: email.clone(),
            subject: format!("You are invited to {} on Parley", workspace.name),
            text: format!(
                "{} invited you to join the workspace \"{}\" on Parley as {}.\n\n\
                 Accept the invitation and choose your password here (the link works for 7 days):\n\n\
                 {link}\n\n\
                 If you did not expect this invitation, ignore this email.\n",
                inviter.name,
                workspace.name,
                role.as_str()
            ),
        };
        mail::enqueue(&tx, &mail, &format!("invitation:{}", invitation.id)).await?;
    }
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            "member.invited",
            Some(("invitation", invitation.id.to_string())),
            json!({ "email": email, "role": role.as_str(), "emailed": emailed }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Invited {
        invitation,
        link: (!emailed).then_some(link),
        emailed,
    })
}

pub async fn revoke_invitation(store: &Store, actor: &Actor, id: Uuid) -> EngineResult<()> {
    actor.require_manager()?;
    let tx = store.begin().await?;
    let invitation = invitations::revoke(&tx, actor.workspace_id, id).await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            "member.invitation_revoked",
            Some(("invitation", id.to_string())),
            json!({ "email": invitation.email }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the accept page shows before the person sets a password.
#[derive(Debug, Clone)]
pub struct InvitationPreview {
    pub email: String,
    pub role: Role,
    pub workspace_name: String,
    /// The email already has an account (of another workspace): they confirm with its
    /// password instead of choosing one.
    pub existing_user: bool,
}

/// The invitation behind a token, if it can still be accepted; otherwise why not.
async fn usable_invitation(store: &Store, token: &str) -> EngineResult<Invitation> {
    let Some(invitation) = invitations::find_by_hash(store.db(), &sha256_hex(token.trim())).await?
    else {
        return Err(invalid("token", "this invitation link is not valid"));
    };
    if invitation.accepted_at.is_some() {
        return Err(invalid("token", "this invitation was already accepted"));
    }
    if invitation.revoked_at.is_some() {
        return Err(invalid("token", "this invitation was withdrawn"));
    }
    if invitation.expires_at <= now_ms() {
        return Err(invalid(
            "token",
            "this invitation has expired; ask for a new one",
        ));
    }
    Ok(invitation)
}

pub async fn preview_invitation(store: &Store, token: &str) -> EngineResult<InvitationPreview> {
    let invitation = usable_invitation(store, token).await?;
    let workspace = accounts::find_workspace(store.db(), invitation.workspace_id).await?;
    let existing = accounts::find_user_by_email(store.db(), &invitation.email).await?;
    Ok(InvitationPreview {
        role: Role::parse(&invitation.role).unwrap_or(Role::Agent),
        email: invitation.email,
        workspace_name: workspace.name,
        existing_user: existing.is_some(),
    })
}

/// An accepted invitation: who, and where they now belong. The caller signs them in.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub email: String,
    pub user_id: Uuid,
    pub workspace_id: Uuid,
}

/// Accepts an invitation: a new person chooses their name and password; a person who has an
/// account already (another workspace) confirms with its password. Either way they become
/// a member with the invited role (a deactivated membership comes back with it).
pub async fn accept(
    store: &Store,
    token: &str,
    name: &str,
    password: &str,
    ip: Option<String>,
) -> EngineResult<Accepted> {
    let invitation = usable_invitation(store, token).await?;
    let role = Role::parse(&invitation.role).unwrap_or(Role::Agent);
    let existing = accounts::find_user_by_email(store.db(), &invitation.email).await?;
    let new_hash = match &existing {
        Some(user) => {
            // Guessing an existing account's password through its invitation is throttled
            // like signing in.
            let key = format!("accept:{}", invitation.id);
            let keys = [(key.as_str(), ACCEPT_GUESSES)];
            if let Err(wait_ms) = reset_throttle()
                .lock()
                .expect("throttle lock")
                .check(&keys, now_ms())
            {
                return Err(EngineError::TooManyAttempts {
                    retry_after_secs: (wait_ms as u64).div_ceil(1000),
                });
            }
            if !verify_password(Some(user.password_hash.clone()), password).await {
                reset_throttle()
                    .lock()
                    .expect("throttle lock")
                    .record(&keys, now_ms());
                return Err(invalid(
                    "password",
                    "this email has an account: enter its password",
                ));
            }
            None
        }
        None => {
            check_credentials(&invitation.email, password)?;
            if name.trim().is_empty() || name.trim().chars().count() > 100 {
                return Err(invalid("name", "must be 1 to 100 characters"));
            }
            Some(hash_password(password).await?)
        }
    };
    let tx = store.begin().await?;
    // Read again under the transaction first: on SQLite that takes the write lock, so no
    // other accept slips in between; the conditional update then settles PostgreSQL races.
    let current = invitations::find_by_hash(&tx, &invitation.token_hash).await?;
    if current.is_none_or(|i| i.accepted_at.is_some() || i.revoked_at.is_some())
        || !invitations::mark_accepted(&tx, invitation.id, now_ms()).await?
    {
        return Err(invalid("token", "this invitation was already accepted"));
    }
    let user = match (existing, new_hash) {
        (Some(user), _) => user,
        (None, Some(hash)) => accounts::create_user(&tx, &invitation.email, name.trim(), &hash)
            .await
            .map_err(|e| match EngineError::from(e) {
                EngineError::Conflict(_) => invalid("email", "a user with this email exists"),
                other => other,
            })?,
        (None, None) => return Err(EngineError::Internal("no password hash".into())),
    };
    match ws_repo::find_member(&tx, invitation.workspace_id, user.id).await? {
        Some(_) => {
            ws_repo::set_role(&tx, invitation.workspace_id, user.id, role).await?;
            ws_repo::set_deactivated(&tx, invitation.workspace_id, user.id, None).await?;
        }
        None => accounts::add_member(&tx, invitation.workspace_id, user.id, role).await?,
    }
    audit::record(
        &tx,
        invitation.workspace_id,
        audit::NewAuditEntry {
            actor_user_id: Some(user.id),
            action: "member.joined".into(),
            target_type: Some("invitation".into()),
            target_id: Some(invitation.id.to_string()),
            details: json!({ "email": user.email, "role": role.as_str() }),
            ip,
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Accepted {
        email: user.email,
        user_id: user.id,
        workspace_id: invitation.workspace_id,
    })
}

/// Whether `actor` may act on the member `target` (change role, deactivate): not
/// themselves, and admins not on owners.
async fn target_of(
    store: &parley_store::Tx,
    actor: &Actor,
    target: Uuid,
) -> EngineResult<parley_store::entities::membership::Model> {
    actor.require_manager()?;
    let member = ws_repo::find_member(store, actor.workspace_id, target)
        .await?
        .ok_or(EngineError::NotFound)?;
    if target == actor.user_id {
        return Err(invalid("user", "you cannot change your own membership"));
    }
    let role = Role::parse(&member.role).unwrap_or(Role::Agent);
    if !may_assign(actor.role, role) {
        return Err(EngineError::Forbidden);
    }
    Ok(member)
}

pub async fn change_role(
    store: &Store,
    actor: &Actor,
    user_id: Uuid,
    role: &str,
) -> EngineResult<()> {
    let Some(role) = Role::parse(role) else {
        return Err(invalid("role", "must be owner, admin or agent"));
    };
    if !may_assign(actor.role, role) {
        return Err(invalid("role", "only an owner can make owners"));
    }
    let tx = store.begin().await?;
    let member = target_of(&tx, actor, user_id).await?;
    let before = Role::parse(&member.role).unwrap_or(Role::Agent);
    if before == role {
        return Ok(());
    }
    if before == Role::Owner
        && member.deactivated_at.is_none()
        && ws_repo::count_active_owners(&tx, actor.workspace_id).await? <= 1
    {
        return Err(invalid("role", "the workspace's last owner stays an owner"));
    }
    ws_repo::set_role(&tx, actor.workspace_id, user_id, role).await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            "member.role_changed",
            Some(("user", user_id.to_string())),
            json!({ "from": before.as_str(), "to": role.as_str() }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deactivates a member: in the same transaction their sessions in this workspace end and
/// their API tokens here are revoked, so their next request is refused.
pub async fn deactivate(store: &Store, actor: &Actor, user_id: Uuid) -> EngineResult<()> {
    let tx = store.begin().await?;
    let member = target_of(&tx, actor, user_id).await?;
    if member.deactivated_at.is_some() {
        return Ok(());
    }
    if member.role == Role::Owner.as_str()
        && ws_repo::count_active_owners(&tx, actor.workspace_id).await? <= 1
    {
        return Err(invalid(
            "user",
            "the workspace's last owner cannot be deactivated",
        ));
    }
    ws_repo::set_deactivated(&tx, actor.workspace_id, user_id, Some(now_ms())).await?;
    let (sessions, tokens) = ws_repo::cut_off(&tx, actor.workspace_id, user_id).await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            "member.deactivated",
            Some(("user", user_id.to_string())),
            json!({ "sessions_ended": sessions, "tokens_revoked": tokens }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Lets a deactivated member back in (with the role they had).
pub async fn reactivate(store: &Store, actor: &Actor, user_id: Uuid) -> EngineResult<()> {
    let tx = store.begin().await?;
    let member = target_of(&tx, actor, user_id).await?;
    if member.deactivated_at.is_none() {
        return Ok(());
    }
    ws_repo::set_deactivated(&tx, actor.workspace_id, user_id, None).await?;
    audit::record(
        &tx,
        actor.workspace_id,
        actor.audit(
            "member.reactivated",
            Some(("user", user_id.to_string())),
            json!({}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn reset_throttle() -> &'static Mutex<Throttle> {
    static THROTTLE: OnceLock<Mutex<Throttle>> = OnceLock::new();
    THROTTLE.get_or_init(Default::default)
}

/// "Forgot password": emails a reset link when the email belongs to an active member and
/// SMTP is configured. The caller answers 202 whatever happened, so the response reveals
/// nothing about which emails have accounts; only a throttled address learns it is
/// throttled. At most [`RESETS_PER_USER_HOUR`] emails an hour reach one account.
pub async fn request_reset(
    store: &Store,
    links: Links<'_>,
    email: &str,
    ip: Option<String>,
) -> EngineResult<()> {
    let client = format!("reset-ip:{}", ip.as_deref().unwrap_or("-"));
    let keys = [(client.as_str(), RESETS_PER_IP)];
    {
        let mut throttle = reset_throttle().lock().expect("throttle lock");
        if let Err(wait_ms) = throttle.check(&keys, now_ms()) {
            return Err(EngineError::TooManyAttempts {
                retry_after_secs: (wait_ms as u64).div_ceil(1000),
            });
        }
        throttle.record(&keys, now_ms());
    }
    let Some(email) = normalize_email(email) else {
        return Ok(());
    };
    if !links.mailer.configured() {
        tracing::warn!(
            "a password reset was requested, but email is not configured (PARLEY_SMTP_URL)"
        );
        return Ok(());
    }
    let Some(user) = accounts::find_user_by_email(store.db(), &email).await? else {
        return Ok(());
    };
    let Some((workspace, _)) = accounts::home_workspace(store.db(), user.id).await? else {
        return Ok(()); // deactivated everywhere: no way back in by email
    };
    let now = now_ms();
    let tx = store.begin().await?;
    if invitations::count_resets_since(&tx, user.id, now - 3600 * 1000).await?
        >= RESETS_PER_USER_HOUR
    {
        return Ok(());
    }
    let token = random_secret("");
    let reset =
        invitations::create_reset(&tx, user.id, &sha256_hex(&token), now + RESET_TTL_MS).await?;
    let mail = OutgoingMail {
        to: user.email.clone(),
        subject: "Reset your Parley password".into(),
        text: format!(
            "Someone (hopefully you) asked to reset the password of {} on Parley.\n\n\
             Choose a new password here (the link works for one hour, once):\n\n\
             {}\n\n\
             If you did not ask for this, ignore this email: your password stays as it is.\n",
            user.email,
            reset_link(links.public_url, &token)
        ),
    };
    mail::enqueue(&tx, &mail, &format!("reset:{}", reset.id)).await?;
    audit::record(
        &tx,
        workspace.id,
        audit::NewAuditEntry {
            actor_user_id: Some(user.id),
            action: "auth.password_reset_requested".into(),
            details: json!({}),
            ip,
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a new password with a reset token (single use, one hour) and ends every session of
/// the account. Returns the email, for the caller to sign the person in.
pub async fn reset_password(
    store: &Store,
    token: &str,
    password: &str,
    ip: Option<String>,
) -> EngineResult<String> {
    let Some(reset) =
        invitations::find_reset_by_hash(store.db(), &sha256_hex(token.trim())).await?
    else {
        return Err(invalid("token", "this reset link is not valid"));
    };
    if reset.used_at.is_some() {
        return Err(invalid("token", "this reset link was already used"));
    }
    if reset.expires_at <= now_ms() {
        return Err(invalid(
            "token",
            "this reset link has expired; ask for a new one",
        ));
    }
    let user = accounts::find_user(store.db(), reset.user_id).await?;
    check_credentials(&user.email, password)?;
    let hash = hash_password(password).await?;
    let tx = store.begin().await?;
    // As for invitations: read under the transaction, then update conditionally.
    let current = invitations::find_reset_by_hash(&tx, &reset.token_hash).await?;
    if current.is_none_or(|r| r.used_at.is_some())
        || !invitations::use_reset(&tx, &reset, now_ms()).await?
    {
        return Err(invalid("token", "this reset link was already used"));
    }
    accounts::set_password(&tx, user.id, &hash).await?;
    let ended = sessions::delete_for_user(&tx, user.id).await?;
    if let Some((workspace, _)) = accounts::home_workspace(&tx, user.id).await? {
        audit::record(
            &tx,
            workspace.id,
            audit::NewAuditEntry {
                actor_user_id: Some(user.id),
                action: "auth.password_reset".into(),
                details: json!({ "sessions_ended": ended }),
                ip,
                ..Default::default()
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(user.email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_owners_make_owners_and_agents_assign_nothing() {
        assert!(may_assign(Role::Owner, Role::Owner));
        assert!(may_assign(Role::Owner, Role::Agent));
        assert!(may_assign(Role::Admin, Role::Admin));
        assert!(!may_assign(Role::Admin, Role::Owner));
        assert!(!may_assign(Role::Agent, Role::Agent));
    }
}
