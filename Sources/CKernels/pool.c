// A small persistent thread pool for the fork-join loops of `Parallel.forEach`. A batch-1 forward pass
// on 2 threads has ~50 short parallel regions (~50–100 µs each); waking a sleeping GCD worker for each
// cost a sizable fraction of that. Helpers here spin briefly after each job (as ONNX Runtime's and
// OpenMP's do) so the next region starts at once, then sleep on a condition variable.
#include "CKernels.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define RELAX() _mm_pause()
#else
#define RELAX() ((void)0)
#endif

#define MAX_HELPERS 63
// Waiting: a short spin (the next region usually starts within microseconds), then yielding, which
// matters on a loaded machine where a spinning thread would hold the core its partner needs, then sleep.
#define SPIN_ROUNDS 2000
#define YIELD_ROUNDS 200

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static atomic_int busy;            // one job at a time; a nested or concurrent caller gets 0 back
static atomic_uint generation;     // bumped to publish each job
static atomic_int remaining;       // helpers that have not finished the current job
static int helpers;                // started so far (grows, never shrinks)
static void (*job)(void *, int);
static void *job_context;
static int job_workers;
static unsigned first_generation[MAX_HELPERS];  // the generation before a helper's first job

static void *helper_main(void *argument) {
    int index = (int)(long)argument;  // this helper runs worker index + 1
    unsigned seen = first_generation[index];
    for (;;) {
        int spins = 0;
        while (atomic_load_explicit(&generation, memory_order_acquire) == seen && spins < SPIN_ROUNDS + YIELD_ROUNDS) {
            if (spins++ < SPIN_ROUNDS) RELAX(); else sched_yield();
        }
        if (atomic_load_explicit(&generation, memory_order_acquire) == seen) {
            pthread_mutex_lock(&lock);
            while (atomic_load(&generation) == seen) pthread_cond_wait(&wake, &lock);
            pthread_mutex_unlock(&lock);
        }
        seen = atomic_load_explicit(&generation, memory_order_acquire);
        if (index + 1 < job_workers) job(job_context, index + 1);
        atomic_fetch_sub_explicit(&remaining, 1, memory_order_release);
    }
    return 0;
}

int ck_parallel(int workers, void (*body)(void *, int), void *context) {
    if (workers <= 1) { body(context, 0); return 1; }
    if (workers - 1 > MAX_HELPERS || atomic_exchange(&busy, 1)) return 0;
    while (helpers < workers - 1) {
        pthread_t thread;
        first_generation[helpers] = atomic_load(&generation);
        if (pthread_create(&thread, 0, helper_main, (void *)(long)helpers) != 0) { atomic_store(&busy, 0); return 0; }
        pthread_detach(thread);
        helpers++;
    }
    job = body; job_context = context; job_workers = workers;
    atomic_store_explicit(&remaining, helpers, memory_order_relaxed);
    atomic_fetch_add_explicit(&generation, 1, memory_order_release);
    // Under the lock, so a helper that saw the old generation is already waiting and gets woken.
    pthread_mutex_lock(&lock);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
    body(context, 0);
    for (int spins = 0; atomic_load_explicit(&remaining, memory_order_acquire) > 0; spins++)
        if (spins < SPIN_ROUNDS) RELAX(); else sched_yield();
    atomic_store(&busy, 0);
    return 1;
}
