//! Operational endpoints anyone may call: the operator's page at `GET /`,
//! `GET /api/status` (and the projections' progress) and `GET /metrics`.

pub mod home;
pub mod metrics;
pub mod status;

use crate::guard::access::Routes;

pub fn configure(public: &mut Routes) {
    home::configure(public);
    status::configure(public);
    metrics::configure(public);
}
