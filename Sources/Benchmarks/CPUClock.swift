import Foundation

/// CPU seconds used so far by all threads of this process: benchmarks report it beside wall time,
/// since the 2-core machine is shared and CPU time is the steadier figure.
func cpuSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
