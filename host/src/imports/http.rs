//! `alerter:flavor/http`: a flavor's only way to the network. Each request
//! goes to the alerter's [`crate::net::Net`], which applies the slots of the
//! secrets, the egress policy and the caps, within the call's deadline.

use crate::bindings::latest::alerter::flavor::http::{Host, HttpError, Request, Response};
use crate::store::CallState;

impl Host for CallState {
    async fn fetch(&mut self, req: Request) -> wasmtime::Result<Result<Response, HttpError>> {
        Ok(match &self.net {
            Some(net) => net.fetch(req, self.deadline, self.attachment_bytes, self.sent.clone()).await,
            None => Err(HttpError::Denied("no network while describing a flavor".into())),
        })
    }
}
