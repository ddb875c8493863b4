//! A region's restore slots (R3: concurrent restores in the target region): a resource with a
//! capacity, first come first served.

use std::collections::VecDeque;

use crate::engine::SimTime;

/// A region's restore slots: at most `capacity` restores run at once; the rest wait first come,
/// first served. The simulation tells it when jobs arrive and finish; it says which job starts.
#[derive(Debug, Clone)]
pub struct RestoreSlots<J> {
    capacity: usize,
    busy: usize,
    waiting: VecDeque<(SimTime, J)>,
    peak_waiting: usize,
}

impl<J> RestoreSlots<J> {
    pub fn new(capacity: u32) -> Self {
        Self {
            capacity: capacity.max(1) as usize,
            busy: 0,
            waiting: VecDeque::new(),
            peak_waiting: 0,
        }
    }

    /// A job arrives at `now`: returns it back if it can start at once (it then holds a slot).
    pub fn arrive(&mut self, now: SimTime, job: J) -> Option<J> {
        if self.busy < self.capacity {
            self.busy += 1;
            Some(job)
        } else {
            self.waiting.push_back((now, job));
            self.peak_waiting = self.peak_waiting.max(self.waiting.len());
            None
        }
    }

    /// A running job finished: the next waiting one (with its arrival time) takes the slot.
    pub fn finish(&mut self) -> Option<(SimTime, J)> {
        match self.waiting.pop_front() {
            Some(next) => Some(next),
            None => {
                self.busy = self.busy.saturating_sub(1);
                None
            }
        }
    }

    pub fn busy(&self) -> usize {
        self.busy
    }

    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    pub fn peak_waiting(&self) -> usize {
        self.peak_waiting
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slots: a job beyond capacity waits and starts when one finishes, in arrival order.
    #[test]
    fn slots_queue_first_come_first_served() {
        let mut slots = RestoreSlots::new(2);
        assert_eq!(slots.arrive(0, 'a'), Some('a'));
        assert_eq!(slots.arrive(0, 'b'), Some('b'));
        assert_eq!(slots.arrive(1, 'c'), None);
        assert_eq!(slots.arrive(2, 'd'), None);
        assert_eq!(slots.waiting(), 2);
        assert_eq!(slots.finish(), Some((1, 'c')));
        assert_eq!(slots.finish(), Some((2, 'd')));
        assert_eq!(slots.finish(), None);
        assert_eq!(slots.busy(), 1);
    }

    /// Twenty one-hour restores asked for at once: total waiting grows as the slots shrink.
    #[test]
    fn simultaneous_restores_wait_longer_with_fewer_slots() {
        let total_wait = |capacity: u32| {
            let mut slots = RestoreSlots::new(capacity);
            let mut finishing: Vec<SimTime> = Vec::new();
            let mut waited = 0;
            for job in 0..20 {
                if slots.arrive(0, job).is_some() {
                    finishing.push(3600);
                }
            }
            while let Some(pos) = (0..finishing.len()).min_by_key(|&i| finishing[i]) {
                let now = finishing.swap_remove(pos);
                if let Some((arrived, _)) = slots.finish() {
                    waited += now - arrived;
                    finishing.push(now + 3600);
                }
            }
            waited
        };
        let waits: Vec<SimTime> = [20, 8, 4, 2, 1].into_iter().map(total_wait).collect();
        assert_eq!(waits[0], 0, "enough slots: nobody waits");
        assert!(waits.windows(2).all(|w| w[1] > w[0]), "{waits:?}");
        // One slot: the k-th restore waits k hours.
        assert_eq!(waits[4], (0..20).sum::<SimTime>() * 3600);
    }
}
