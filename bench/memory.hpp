// Process memory as Linux reports it (/proc/self/status and statm), and the --memory-check mode that
// runs P3 in a fresh process per size to show that streaming keeps peak memory flat.
#pragma once

#include <cstdint>

#include "options.hpp"

namespace orca_bench {

/// Resident set size now, in MiB (VmRSS); 0 if unknown.
double resident_mb();
/// Resident set size now, in bytes (/proc/self/statm: resident pages times the page size); 0 if unknown.
std::int64_t resident_bytes();
/// Peak resident set size since the process started or since reset_peak_rss(), in MiB (VmHWM).
double peak_resident_mb();
/// Resets the peak to the current RSS (writes 5 to /proc/self/clear_refs, Linux >= 4.0);
/// false where the kernel or the sandbox refuses, and then peaks are process-wide.
bool reset_peak_rss();

/// Gives freed heap memory back to the kernel (malloc_trim), so that a run's peak is not
/// inflated by what an earlier run freed but the allocator kept; then resets the peak.
/// False if the peak could not be reset.
bool prepare_peak_measurement();

/// --memory-check: for every target and size, loads the data (untimed, in this process),
/// runs `orca-bench --phases P3 --repeat 1` on it in a child process, collects orca's and
/// raw's peak RSS and says whether orca's peak stays flat. Returns the exit status.
int run_memory_check(const options& o);

/// --memory-apart: for every target and phase asked (P6 aside), loads the data (untimed, in
/// this process), then runs the phase --repeat times in a child process running orca alone,
/// and in another running raw alone, and prints both peaks: orca's highest, raw's lowest, as
/// the main report takes them. In the main report both sides share one process, and what
/// orca's threads freed but their malloc arenas keep (malloc_trim() returns the main arena's
/// free memory, not the top of another thread's) is resident when raw's peak is measured.
/// Returns the exit status.
int run_memory_apart(const options& o);

}  // namespace orca_bench
