//! Operational endpoints anyone may call: `GET /api/status` (and the projections'
//! progress) and `GET /metrics`.

pub mod metrics;
pub mod status;

use crate::guard::access::Routes;

pub fn configure(public: &mut Routes) {
    status::configure(public);
    metrics::configure(public);
}
