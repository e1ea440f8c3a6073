//! The machine a run is measured on, and the memory of the current process,
//! both read from Linux's `/proc`.

use serde::{Deserialize, Serialize};

/// The facts printed next to every figure.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Machine {
    /// Cores this process may use (`std::thread::available_parallelism`,
    /// which honours CPU affinity and cgroup quotas like `nproc`).
    pub cores: usize,
    /// `MemTotal` of `/proc/meminfo`, in KiB.
    pub memory_kib: Option<u64>,
    /// `model name` of the first processor in `/proc/cpuinfo`.
    pub cpu_model: Option<String>,
    /// The kernel release (`/proc/sys/kernel/osrelease`).
    pub kernel: Option<String>,
}

impl Machine {
    /// Reads the machine's facts; a fact that cannot be read is `None`.
    pub fn detect() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let memory_kib = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|text| kib_field(&text, "MemTotal"));
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .and_then(|rest| rest.split_once(':'))
                .map(|(_, name)| name.trim().to_owned())
        });
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .map(|text| text.trim().to_owned());
        Self { cores, memory_kib, cpu_model, kernel }
    }

    /// Describes the machine in one line, such as `2 cores, 23.5 GiB memory,
    /// Intel(R) Xeon(R) ..., Linux 6.1.0`.
    pub fn describe(&self) -> String {
        let mut parts = vec![format!("{} cores", self.cores)];
        if let Some(kib) = self.memory_kib {
            parts.push(format!("{:.1} GiB memory", kib as f64 / (1024.0 * 1024.0)));
        }
        if let Some(model) = &self.cpu_model {
            parts.push(model.clone());
        }
        if let Some(kernel) = &self.kernel {
            parts.push(format!("Linux {kernel}"));
        }
        parts.join(", ")
    }
}

/// Returns the 1-, 5- and 15-minute load averages of `/proc/loadavg`, such
/// as `0.52 0.40 0.33`. Other work on the machine slows the measurements, so
/// the run records them.
pub fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let fields: Vec<&str> = text.split_whitespace().take(3).collect();
    (fields.len() == 3).then(|| fields.join(" "))
}

/// Returns the peak resident set size of this process so far (`VmHWM`), in
/// KiB, or `None` where `/proc/self/status` cannot be read.
pub fn peak_rss_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status").ok().and_then(|text| kib_field(&text, "VmHWM"))
}

/// Resets this process's peak resident set size to its current size (Linux
/// 4.0 and later), so that a later [`peak_rss_kib`] covers only what follows.
/// Returns whether the kernel accepted the reset.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Returns the current resident set size of this process (`VmRSS`), in KiB.
pub fn current_rss_kib() -> Option<u64> {
    std::fs::read_to_string("/proc/self/status").ok().and_then(|text| kib_field(&text, "VmRSS"))
}

/// Reads a `Name:   1234 kB` line of a `/proc` file.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?.strip_prefix(':')?;
        let number = rest.trim().strip_suffix("kB").unwrap_or(rest).trim();
        number.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Name:\tcutover-bench\nVmPeak:\t  20000 kB\nVmHWM:\t    8123 kB\n\
                          VmRSS:\t    7000 kB\nThreads:\t3\n";

    #[test]
    fn kib_field_reads_named_line() {
        assert_eq!(kib_field(STATUS, "VmHWM"), Some(8123));
        assert_eq!(kib_field(STATUS, "VmRSS"), Some(7000));
    }

    #[test]
    fn kib_field_needs_exact_name() {
        assert_eq!(kib_field(STATUS, "VmHW"), None);
        assert_eq!(kib_field(STATUS, "MemTotal"), None);
    }

    #[test]
    fn load_average_has_three_values() {
        let load = load_average().expect("/proc/loadavg exists on Linux");
        assert_eq!(load.split_whitespace().count(), 3, "{load}");
    }

    #[test]
    fn peak_rss_covers_touched_buffer() {
        const BUFFER_BYTES: usize = 64 * 1024 * 1024;
        // Writing every byte makes the pages resident.
        let buffer = std::hint::black_box(vec![1u8; BUFFER_BYTES]);
        let current = current_rss_kib().expect("/proc/self/status has VmRSS on Linux");
        let peak = peak_rss_kib().expect("/proc/self/status has VmHWM on Linux");
        let buffer_kib = (BUFFER_BYTES / 1024) as u64;
        assert!(current >= buffer_kib, "current {current} KiB below the buffer's {buffer_kib}");
        assert!(peak >= buffer_kib, "peak {peak} KiB below the buffer's {buffer_kib}");
        drop(buffer);
    }

    #[test]
    fn reset_lowers_peak_after_free() {
        const BUFFER_BYTES: usize = 256 * 1024 * 1024;
        let buffer = std::hint::black_box(vec![1u8; BUFFER_BYTES]);
        drop(buffer);
        let before = peak_rss_kib().unwrap();
        assert!(reset_peak_rss(), "the kernel rejected the reset");
        let after = peak_rss_kib().unwrap();
        // glibc maps a buffer this large on its own and unmaps it on free,
        // so the reset peak is far below the buffer.
        assert!(after + 128 * 1024 < before, "peak {before} KiB, {after} KiB after reset");
    }
}
