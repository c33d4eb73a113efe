#if canImport(Glibc)
import Glibc
#endif

/// glibc's adaptive mutex (`PTHREAD_MUTEX_ADAPTIVE_NP`): a waiter spins a little (up to 100
/// rounds), then sleeps on a plain futex. For a lock held for microseconds by threads that
/// must not burn a core waiting: `Synchronization.Mutex` spins up to a thousand rounds and
/// then sleeps on a priority-inheritance futex, and a profile of two event loops stepping one
/// session showed 1.3 µs of every step spent there.
///
/// `@unchecked Sendable`: the mutex lives at a fixed address for the object's lifetime, and
/// pthread mutexes are made to be shared between threads.
final class AdaptiveLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() {
        var attributes = pthread_mutexattr_t()
        precondition(pthread_mutexattr_init(&attributes) == 0
                     && pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP)) == 0
                     && pthread_mutex_init(mutex, &attributes) == 0, "pthread mutex setup failed")
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        precondition(pthread_mutex_lock(mutex) == 0, "pthread_mutex_lock failed")
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
