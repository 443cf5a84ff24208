// Clang's thread-safety attributes (-Wthread-safety): which mutex guards which member, which
// functions need it held or not held, which acquire and release it. Clang checks them at compile
// time; every other compiler sees nothing. The types that carry them are in util/mutex.h.
//
// See https://clang.llvm.org/docs/ThreadSafetyAnalysis.html for what each attribute means.
#pragma once

#if defined(__clang__)
#define RINGDB_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define RINGDB_THREAD_ANNOTATION(x)
#endif

#ifndef CAPABILITY
#define CAPABILITY(x) RINGDB_THREAD_ANNOTATION(capability(x))
#endif

#ifndef SCOPED_CAPABILITY
#define SCOPED_CAPABILITY RINGDB_THREAD_ANNOTATION(scoped_lockable)
#endif

#ifndef GUARDED_BY
#define GUARDED_BY(x) RINGDB_THREAD_ANNOTATION(guarded_by(x))
#endif

#ifndef PT_GUARDED_BY
#define PT_GUARDED_BY(x) RINGDB_THREAD_ANNOTATION(pt_guarded_by(x))
#endif

#ifndef ACQUIRED_AFTER
#define ACQUIRED_AFTER(...) RINGDB_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#endif

#ifndef ACQUIRED_BEFORE
#define ACQUIRED_BEFORE(...) RINGDB_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#endif

#ifndef REQUIRES
#define REQUIRES(...) RINGDB_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#endif

#ifndef REQUIRES_SHARED
#define REQUIRES_SHARED(...) RINGDB_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#endif

#ifndef ACQUIRE
#define ACQUIRE(...) RINGDB_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#endif

#ifndef ACQUIRE_SHARED
#define ACQUIRE_SHARED(...) RINGDB_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#endif

#ifndef RELEASE
#define RELEASE(...) RINGDB_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#endif

#ifndef RELEASE_SHARED
#define RELEASE_SHARED(...) RINGDB_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#endif

#ifndef RELEASE_GENERIC
#define RELEASE_GENERIC(...) RINGDB_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#endif

#ifndef TRY_ACQUIRE
#define TRY_ACQUIRE(...) RINGDB_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#endif

#ifndef EXCLUDES
#define EXCLUDES(...) RINGDB_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#endif

#ifndef ASSERT_CAPABILITY
#define ASSERT_CAPABILITY(x) RINGDB_THREAD_ANNOTATION(assert_capability(x))
#endif

#ifndef RETURN_CAPABILITY
#define RETURN_CAPABILITY(x) RINGDB_THREAD_ANNOTATION(lock_returned(x))
#endif

#ifndef NO_THREAD_SAFETY_ANALYSIS
#define NO_THREAD_SAFETY_ANALYSIS RINGDB_THREAD_ANNOTATION(no_thread_safety_analysis)
#endif
