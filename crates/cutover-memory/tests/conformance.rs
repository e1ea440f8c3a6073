//! Runs the `OrgApi` conformance suite against the in-memory backend.

use cutover_api::OrgApi;
use cutover_api::conformance::{FIXTURE, Factory, run_all};
use cutover_memory::MemoryOrg;

#[tokio::test]
async fn memory_backend_conforms() {
    let factory: Factory = Box::new(|client_id| {
        Box::pin(async move {
            let org = MemoryOrg::from_json(FIXTURE).expect("the conformance fixture loads");
            let api = org.session(Some(client_id), None).expect("the client gets a session");
            Box::new(api) as Box<dyn OrgApi>
        })
    });
    run_all(factory).await;
}
