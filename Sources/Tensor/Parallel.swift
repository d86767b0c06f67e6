import CKernels
import Dispatch

/// Work splitting across threads. One place decides how many threads the CPU work may use.
public enum Parallel {
    /// Threads for the project's own kernels (not OpenBLAS's). Defaults to all cores;
    /// `--threads` on the command line sets both this and `BLAS.threads`.
    nonisolated(unsafe) public static var threads: Int = ProcessInfoCores.count

    /// Runs `body(i)` for i in 0..<count, spread over at most `threads` workers in contiguous chunks.
    public static func forEach(_ count: Int, threads: Int = Parallel.threads, _ body: (Int) -> Void) {
        let workers = min(max(1, threads), count)
        if workers <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var chunk: (Int) -> Void = { w in
                let lo = count * w / workers, hi = count * (w + 1) / workers
                for i in lo..<hi { body(i) }
            }
            // The spinning pool when it is free; GCD for nested or concurrent calls.
            let ran = withUnsafeMutablePointer(to: &chunk) { context in
                ck_parallel(Int32(workers), { context, w in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(w))
                }, context)
            }
            if ran == 0 { DispatchQueue.concurrentPerform(iterations: workers, execute: chunk) }
        }
    }

    /// Sets the thread count for both our kernels and OpenBLAS.
    public static func configure(threads: Int) {
        Parallel.threads = max(1, threads)
        BLAS.threads = max(1, threads)
    }
}

/// Online core count (Foundation-free so that `Tensor` stays light).
public enum ProcessInfoCores {
    public static var count: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 2
        #endif
    }
}
#if canImport(Glibc)
import Glibc
#endif
