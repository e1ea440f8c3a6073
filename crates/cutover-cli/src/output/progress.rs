//! A progress bar for reading a large org.
//!
//! [`ProgressApi`] wraps a backend and counts the pages of users it fetches,
//! so `collect_state` shows progress without knowing about it. The bar is
//! drawn only when stderr is a terminal and `-q` is not set, and only once the
//! user list spans more than one page.

use std::time::Duration;

use async_trait::async_trait;
use cutover_api::models::IdentityProviderRef;
use cutover_api::{
    ApiError, AuthzSubject, Division, IdentityProvider, OAuthClient, OAuthClientRequest, OrgApi,
    Organization, Page, PageRequest, ProviderType, Role, TokenGrant, TokenInfo, User,
    UserReference, UserStateFilter,
};
use cutover_auth::ClientCredentials;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Printer;

/// A backend that ticks a progress bar for each page of users.
pub struct ProgressApi<'a> {
    inner: &'a dyn OrgApi,
    bar: ProgressBar,
}

impl<'a> ProgressApi<'a> {
    /// Wraps `inner`; the bar stays hidden unless `printer` allows it.
    pub fn new(inner: &'a dyn OrgApi, printer: &Printer) -> Self {
        let bar = if printer.stderr_is_terminal() && !printer.is_quiet() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} reading users: page {pos}/{len} {wide_bar}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            // Hidden until a second page shows that the walk takes a while.
            bar.set_draw_target(ProgressDrawTarget::hidden());
            bar
        } else {
            ProgressBar::hidden()
        };
        Self { inner, bar }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn tick_users_page(&self, page: &Page<User>) {
        if let Some(count) = page.page_count {
            self.bar.set_length(u64::from(count));
            if count > 1 && self.bar.is_hidden() && !self.bar.is_finished() {
                self.bar.set_draw_target(ProgressDrawTarget::stderr());
            }
        }
        self.bar.inc(1);
    }
}

impl Drop for ProgressApi<'_> {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

#[async_trait]
impl OrgApi for ProgressApi<'_> {
    async fn organization(&self) -> Result<Organization, ApiError> {
        self.inner.organization().await
    }

    async fn token_info(&self) -> Result<TokenInfo, ApiError> {
        self.inner.token_info().await
    }

    async fn identity_providers(&self) -> Result<Vec<IdentityProvider>, ApiError> {
        self.inner.identity_providers().await
    }

    async fn identity_provider(
        &self,
        kind: ProviderType,
    ) -> Result<Option<IdentityProvider>, ApiError> {
        self.inner.identity_provider(kind).await
    }

    async fn put_identity_provider(
        &self,
        kind: ProviderType,
        body: &IdentityProvider,
    ) -> Result<IdentityProviderRef, ApiError> {
        self.inner.put_identity_provider(kind, body).await
    }

    async fn delete_identity_provider(&self, kind: ProviderType) -> Result<(), ApiError> {
        self.inner.delete_identity_provider(kind).await
    }

    async fn oauth_clients(&self) -> Result<Vec<OAuthClient>, ApiError> {
        self.inner.oauth_clients().await
    }

    async fn oauth_client(&self, client_id: &str) -> Result<OAuthClient, ApiError> {
        self.inner.oauth_client(client_id).await
    }

    async fn create_oauth_client(
        &self,
        request: &OAuthClientRequest,
    ) -> Result<OAuthClient, ApiError> {
        self.inner.create_oauth_client(request).await
    }

    async fn delete_oauth_client(&self, client_id: &str) -> Result<(), ApiError> {
        self.inner.delete_oauth_client(client_id).await
    }

    async fn roles_page(&self, page: PageRequest) -> Result<Page<Role>, ApiError> {
        self.inner.roles_page(page).await
    }

    async fn role_users_page(
        &self,
        role_id: &str,
        page: PageRequest,
    ) -> Result<Page<UserReference>, ApiError> {
        self.inner.role_users_page(role_id, page).await
    }

    async fn users_page(
        &self,
        page: PageRequest,
        state: UserStateFilter,
    ) -> Result<Page<User>, ApiError> {
        let result = self.inner.users_page(page, state).await;
        if let Ok(page) = &result {
            self.tick_users_page(page);
        }
        result
    }

    async fn divisions_page(&self, page: PageRequest) -> Result<Page<Division>, ApiError> {
        self.inner.divisions_page(page).await
    }

    async fn subject(&self, subject_id: &str) -> Result<AuthzSubject, ApiError> {
        self.inner.subject(subject_id).await
    }

    async fn fresh_token(&self) -> Result<TokenGrant, ApiError> {
        self.inner.fresh_token().await
    }

    async fn request_token(&self, credentials: &ClientCredentials) -> Result<TokenGrant, ApiError> {
        self.inner.request_token(credentials).await
    }
}
