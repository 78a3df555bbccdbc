//! The results, one row per target and column (its checks, or one
//! emulator, or native), and the pool that runs built programs in parallel.

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct Row {
    pub label: String,
    pub column: String,
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
    pub notes: Vec<String>,
    /// Time spent on this row's work (summed over its steps and programs).
    pub busy: Duration,
}

#[derive(Default)]
pub struct Board {
    rows: Mutex<Vec<Row>>,
    /// Per target name: when its first step started and its last program ended.
    spans: Mutex<Vec<(String, Instant, Instant)>>,
}

impl Board {
    fn with_row(&self, label: &str, column: &str, f: impl FnOnce(&mut Row)) {
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        match rows
            .iter_mut()
            .find(|r| r.label == label && r.column == column)
        {
            Some(r) => f(r),
            None => {
                let mut r = Row {
                    label: label.into(),
                    column: column.into(),
                    ..Row::default()
                };
                f(&mut r);
                rows.push(r);
            }
        }
    }

    /// Makes the row exist, so the summary lists rows in plan order.
    pub fn declare(&self, label: &str, column: &str) {
        self.with_row(label, column, |_| {});
    }

    pub fn add(
        &self,
        label: &str,
        column: &str,
        passed: u64,
        failed: u64,
        ignored: u64,
        busy: Duration,
    ) {
        self.with_row(label, column, |r| {
            r.passed += passed;
            r.failed += failed;
            r.ignored += ignored;
            r.busy += busy;
        });
    }

    pub fn note(&self, label: &str, column: &str, note: &str) {
        self.with_row(label, column, |r| {
            if !r.notes.iter().any(|n| n == note) {
                r.notes.push(note.into());
            }
        });
    }

    pub fn span(&self, target: &str, start: Instant, end: Instant) {
        let mut spans = self.spans.lock().unwrap_or_else(|e| e.into_inner());
        match spans.iter_mut().find(|(t, _, _)| t == target) {
            Some((_, s, e)) => {
                *s = (*s).min(start);
                *e = (*e).max(end);
            }
            None => spans.push((target.into(), start, end)),
        }
    }

    pub fn rows(&self) -> Vec<Row> {
        std::mem::take(&mut *self.rows.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn spans(&self) -> Vec<(String, Duration)> {
        let spans = self.spans.lock().unwrap_or_else(|e| e.into_inner());
        spans.iter().map(|(t, s, e)| (t.clone(), *e - *s)).collect()
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// Runs jobs (built programs, never cargo) on a few threads. Each job has
/// a tag; `wait_tag` waits until no job with that tag is queued or running.
#[derive(Default)]
pub struct Pool {
    state: Mutex<PoolState>,
    changed: Condvar,
}

#[derive(Default)]
struct PoolState {
    queue: VecDeque<(String, Job)>,
    pending: HashMap<String, usize>,
    closed: bool,
}

impl Pool {
    pub fn submit(&self, tag: &str, job: impl FnOnce() + Send + 'static) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        *s.pending.entry(tag.into()).or_default() += 1;
        s.queue.push_back((tag.into(), Box::new(job)));
        self.changed.notify_all();
    }

    pub fn wait_tag(&self, tag: &str) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while s.pending.get(tag).is_some_and(|n| *n > 0) {
            s = self.changed.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// A worker thread's loop: until the pool is closed and empty.
    pub fn work(&self) {
        loop {
            let (tag, job) = {
                let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if let Some(j) = s.queue.pop_front() {
                        break j;
                    }
                    if s.closed {
                        return;
                    }
                    s = self.changed.wait(s).unwrap_or_else(|e| e.into_inner());
                }
            };
            job();
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(n) = s.pending.get_mut(&tag) {
                *n -= 1;
            }
            self.changed.notify_all();
        }
    }

    pub fn close(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn wait_tag_waits_for_its_jobs_only() {
        let pool = Arc::new(Pool::default());
        let done = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let p = pool.clone();
                std::thread::spawn(move || p.work())
            })
            .collect();
        for _ in 0..5 {
            let d = done.clone();
            pool.submit("a", move || {
                std::thread::sleep(Duration::from_millis(10));
                d.fetch_add(1, Ordering::SeqCst);
            });
        }
        pool.wait_tag("a");
        assert_eq!(done.load(Ordering::SeqCst), 5);
        pool.wait_tag("never-used");
        pool.close();
        for w in workers {
            w.join().unwrap();
        }
    }

    #[test]
    fn rows_keep_their_order_and_sum() {
        let b = Board::default();
        b.declare("x", "checks");
        b.declare("x", "qemu 7.2.22");
        b.add("x", "qemu 7.2.22", 3, 1, 0, Duration::from_secs(1));
        b.add("x", "checks", 1, 0, 0, Duration::ZERO);
        b.add("x", "qemu 7.2.22", 2, 0, 1, Duration::from_secs(1));
        b.note("x", "checks", "n");
        b.note("x", "checks", "n");
        let rows = b.rows();
        assert_eq!(rows[0].column, "checks");
        assert_eq!(rows[0].notes, ["n"]);
        assert_eq!((rows[1].passed, rows[1].failed, rows[1].ignored), (5, 1, 1));
        assert_eq!(rows[1].busy, Duration::from_secs(2));
    }
}
