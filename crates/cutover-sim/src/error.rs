use std::net::SocketAddr;

/// Failure to start the simulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The org snapshot did not load.
    #[error(transparent)]
    Snapshot(#[from] cutover_memory::SnapshotError),
    /// The listening socket could not be opened.
    #[error("cannot listen on `{addr}`: {source}; choose another port or pass 0 for a free one")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
}
