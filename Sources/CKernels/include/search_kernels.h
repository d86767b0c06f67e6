// Distance kernels for the Search target, in C because Swift cannot compile one function for
// several instruction sets: the package targets baseline x86-64 (SSE2), where a 256-d L2 distance
// costs 3–4× what it costs with AVX2/AVX-512. Each kernel is built for AVX-512, AVX2+FMA and the
// baseline, and one is picked for this CPU once at load, so the binary still runs everywhere.
// No -m flags: the instruction sets are enabled per function.
#ifndef IMGSEARCH_SEARCH_KERNELS_H
#define IMGSEARCH_SEARCH_KERNELS_H

#include <stddef.h>

/// Squared Euclidean distance ‖a − b‖² of two n-float vectors (any alignment).
float isk_squared_l2(const float *a, const float *b, size_t n);

/// Dot product a · b of two n-float vectors (any alignment).
float isk_dot(const float *a, const float *b, size_t n);

/// The instruction set the kernels run with on this CPU: "avx512", "avx2" or "baseline".
const char *isk_kernel_name(void);

/// Switches to the kernels for `name` ("avx512", "avx2", "baseline") if this CPU runs them; returns 1
/// if it did, 0 otherwise. For tests and benchmarks; not safe while other threads compute distances.
int isk_select_kernel(const char *name);

/// Asks the CPU to start loading the cache line at `address` (a hint; never faults). Inline so that
/// Swift compiles it to one prefetch instruction in the graph walk.
static inline void isk_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

/// A one-byte spin lock (0 = free) for each HNSW node's link lists while threads insert side by side:
/// held for a few hundred nanoseconds, so spinning beats sleeping, and a million of them take 1 MB.
static inline void isk_spin_lock(unsigned char *lock) {
    while (__atomic_test_and_set(lock, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(lock, __ATOMIC_RELAXED)) { __builtin_ia32_pause(); }
    }
}
static inline void isk_spin_unlock(unsigned char *lock) { __atomic_clear(lock, __ATOMIC_RELEASE); }

#endif
