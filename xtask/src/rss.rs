//! Resident memory of a child process, from Linux's `/proc/<pid>/status`.

use serde::Serialize;

/// Resident set size now and at its peak, in KiB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Memory {
    /// `VmRSS`: resident now.
    pub rss_kib: u64,
    /// `VmHWM`: the high-water mark of `VmRSS` since the process started.
    pub hwm_kib: u64,
}

/// Parses the `VmRSS` and `VmHWM` lines of a `/proc/<pid>/status` text; `None` if either is
/// missing (a kernel thread, or a process that already exited).
pub fn parse_status(status: &str) -> Option<Memory> {
    let mut rss = None;
    let mut hwm = None;
    for line in status.lines() {
        if let Some(rest) = line.strip_prefix("VmRSS:") {
            rss = kib(rest);
        } else if let Some(rest) = line.strip_prefix("VmHWM:") {
            hwm = kib(rest);
        }
    }
    Some(Memory {
        rss_kib: rss?,
        hwm_kib: hwm?,
    })
}

/// `"\t  12345 kB"` → 12345. The kernel always reports these fields in kB.
fn kib(field: &str) -> Option<u64> {
    let mut parts = field.split_whitespace();
    let value = parts.next()?.parse().ok()?;
    matches!(parts.next(), Some("kB")).then_some(value)
}

/// Reads the memory of a running process; `None` when it is gone or `/proc` is unavailable.
pub fn read(pid: u32) -> Option<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_status(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Name:\tnango-mcp\nState:\tS (sleeping)\nVmPeak:\t  612344 kB\n\
        VmSize:\t  546808 kB\nVmHWM:\t    9876 kB\nVmRSS:\t    8192 kB\nThreads:\t3\n";

    #[test]
    fn reads_rss_and_high_water_mark() {
        assert_eq!(
            parse_status(STATUS),
            Some(Memory {
                rss_kib: 8192,
                hwm_kib: 9876
            })
        );
    }

    #[test]
    fn missing_or_malformed_fields_give_none() {
        assert_eq!(parse_status("Name:\tkthreadd\nState:\tS\n"), None);
        assert_eq!(parse_status("VmRSS:\t12 kB\n"), None);
        assert_eq!(parse_status("VmRSS:\tlots kB\nVmHWM:\t1 kB\n"), None);
        assert_eq!(parse_status("VmRSS:\t12 MB\nVmHWM:\t13 kB\n"), None);
    }

    #[test]
    fn reads_this_process() {
        let memory = read(std::process::id()).unwrap();
        assert!(memory.rss_kib > 0);
        assert!(memory.hwm_kib >= memory.rss_kib);
    }
}
