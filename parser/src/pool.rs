//! The worker pool a stage runs on: the caller's, or one of its own when asked for another
//! number of threads.

/// Runs `work` with `threads` worker threads: on the current pool when `threads` is 0 or its
/// size already, else on a pool of its own (on the current one if that pool cannot be made).
pub fn with_threads<R: Send>(threads: usize, work: impl FnOnce() -> R + Send) -> R {
    let own = match threads {
        0 => None,
        n if n == rayon::current_num_threads() => None,
        n => rayon::ThreadPoolBuilder::new().num_threads(n).build().ok(),
    };
    match own {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_runs_with_the_threads_asked_for() {
        assert_eq!(with_threads(3, rayon::current_num_threads), 3);
        let outer = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        outer.install(|| {
            // The caller's pool when it has the size asked for, or when none is asked for.
            let here = rayon::current_thread_index();
            assert_eq!(with_threads(2, rayon::current_thread_index), here);
            assert_eq!(with_threads(0, rayon::current_num_threads), 2);
            assert_eq!(with_threads(1, rayon::current_num_threads), 1);
        });
    }
}
