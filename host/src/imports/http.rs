//! `alerter:flavor/http`: a flavor's only way to the network. Each request
//! goes to the alerter's [`crate::net::Net`], which applies the egress policy,
//! the secrets and the caps.

use crate::bindings::latest::alerter::flavor::http::{Host, HttpError, Request, Response};
use crate::store::CallState;

impl Host for CallState {
    async fn fetch(&mut self, req: Request) -> wasmtime::Result<Result<Response, HttpError>> {
        Ok(match &self.net {
            Some(net) => net.fetch(req, self.attachment_bytes).await,
            None => Err(HttpError::Denied("no network while describing a flavor".into())),
        })
    }
}
