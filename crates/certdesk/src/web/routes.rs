//! [`Routes`]: an axum router that keeps the list of the paths it serves. Every route of the
//! application is registered through one (the pages, the API from its OpenAPI registrations,
//! the operational routes), so that [`super::route_paths`] lists all of them and a test can
//! go through each one (the authorization matrix): a new route cannot be left out of it.

use axum::{routing::MethodRouter, Router};

use super::WebState;

/// A router and the paths registered on it, in order.
#[must_use]
pub struct Routes {
    router: Router<WebState>,
    paths: Vec<String>,
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

impl Routes {
    pub fn new() -> Self {
        Routes {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    /// A router built elsewhere and the paths it serves (the API's, whose paths come from
    /// the OpenAPI document of the same registrations).
    pub fn from_parts(router: Router<WebState>, paths: impl IntoIterator<Item = String>) -> Self {
        Routes {
            router,
            paths: paths.into_iter().collect(),
        }
    }

    /// Serves `method_router` at `path`, as [`Router::route`].
    pub fn route(mut self, path: &str, method_router: MethodRouter<WebState>) -> Self {
        self.router = self.router.route(path, method_router);
        self.paths.push(path.to_owned());
        self
    }

    /// Adds every route of `other`, as [`Router::merge`].
    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.paths.extend(other.paths);
        self
    }

    /// The paths served, in the order they were registered.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// The router, to merge into the application's (and to layer).
    pub fn into_router(self) -> Router<WebState> {
        self.router
    }
}
